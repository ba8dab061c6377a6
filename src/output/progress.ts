/**
 * Progress for long transfers: bars redrawn in place on a terminal, one plain line per event
 * elsewhere (logs and CI stay readable), nothing at all when quiet. Writes to stderr by default so
 * that stdout keeps only the command's result.
 */
import type { OutStream } from "../log.js";
import { binarySize } from "./units.js";

export interface Progress {
  /** A new item appears (a layer, a blob); `total` in bytes when known. */
  start(id: string, label: string, total?: number): void;
  /** Bytes done so far for the item. */
  update(id: string, current: number): void;
  /** The item finished; `status` defaults to "done". */
  done(id: string, status?: string): void;
  /** An item that needs no work ("skipped: already exists"): one line, no bar. */
  note(id: string, label: string, status: string): void;
  /** Draws the final state; call once at the end. */
  close(): void;
}

export interface ProgressOptions {
  /** Draw bars (default: the stream is a terminal). */
  tty?: boolean;
  quiet?: boolean;
  /** Terminal width for bars. */
  columns?: number;
  /** Clock in ms, for speed and redraw throttling. */
  now?: () => number;
}

interface Item { id: string; label: string; total?: number; current: number; status?: string; startedAt: number }

const REDRAW_MS = 100;

function barLine(item: Item, now: number, columns: number): string {
  if (item.status) return `${item.label} ${item.status}`;
  const secs = Math.max((now - item.startedAt) / 1000, 0.001);
  const speed = `${binarySize(Math.round(item.current / secs))}/s`;
  const amount = item.total ? `${binarySize(item.current)} / ${binarySize(item.total)}` : binarySize(item.current);
  const tail = ` ${amount} ${speed}`;
  const width = Math.max(10, Math.min(40, columns - item.label.length - tail.length - 4));
  const frac = item.total ? Math.min(1, item.current / item.total) : 0;
  const filled = Math.round(frac * width);
  const bar = item.total ? "=".repeat(filled).padEnd(width, " ") : "-".repeat(width);
  return `${item.label} [${bar}]${tail}`;
}

export function createProgress(stream: OutStream = process.stderr, opts: ProgressOptions = {}): Progress {
  const now = opts.now ?? Date.now;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  const columns = opts.columns ?? ((stream as { columns?: number }).columns || 80);
  const items = new Map<string, Item>();
  let drawnLines = 0;
  let lastDraw = 0;

  const draw = (force: boolean) => {
    const t = now();
    if (!force && t - lastDraw < REDRAW_MS) return;
    lastDraw = t;
    const up = drawnLines > 0 ? `\x1b[${drawnLines}A` : "";
    const lines = [...items.values()].map((i) => `\x1b[2K${barLine(i, t, columns)}\n`);
    stream.write(up + lines.join(""));
    drawnLines = lines.length;
  };

  if (opts.quiet) return { start() {}, update() {}, done() {}, note() {}, close() {} };

  return {
    start(id, label, total) {
      items.set(id, { id, label, total, current: 0, startedAt: now() });
      if (tty) draw(true);
      else stream.write(`${label}: started\n`);
    },
    update(id, current) {
      const item = items.get(id);
      if (!item) return;
      item.current = current;
      if (tty) draw(false);
    },
    done(id, status = "done") {
      const item = items.get(id);
      if (!item) return;
      item.status = status;
      if (tty) draw(true);
      else stream.write(`${item.label}: ${status}\n`);
    },
    note(id, label, status) {
      items.set(id, { id, label, current: 0, status, startedAt: now() });
      if (tty) draw(true);
      else stream.write(`${label}: ${status}\n`);
    },
    close() {
      if (tty && items.size > 0) draw(true);
    },
  };
}
