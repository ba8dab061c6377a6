/**
 * `events [--since] [--until] [--filter …] [--format json|TEMPLATE] [--stream=false]`: the event
 * log, then (streaming) what is appended to it, followed with inotify (fs.watch), not by reading
 * the disk in a loop.
 */
import { closeSync, openSync, readSync, statSync, watch } from "node:fs";
import { parseTimeArg } from "../../container/policy.js";
import { eventsDir, eventsFile, readEvents, type SkiffEvent } from "../../events/log.js";
import { eventFilter, humanLine } from "../../events/view.js";
import { isJsonFormat } from "../../output/format.js";
import { compileTemplate } from "../../output/template.js";
import type { Handler } from "../table/types.js";
import { mkdirSync } from "node:fs";

export const events: Handler = async ({ ctx, opts }) => {
  const now = Date.now();
  const since = typeof opts.since === "string" ? parseTimeArg(opts.since, now, "--since") : undefined;
  const until = typeof opts.until === "string" ? parseTimeArg(opts.until, now, "--until") : undefined;
  const keep = eventFilter((opts.filter as string[]) ?? []);
  const format = opts.format as string | undefined;
  const template = format && !isJsonFormat(format) ? compileTemplate(format) : undefined;
  const show = (e: SkiffEvent) => {
    const t = Date.parse(e.Time);
    if ((since !== undefined && t < since) || (until !== undefined && t > until) || !keep(e)) return;
    ctx.stdout.write(`${isJsonFormat(format) ? JSON.stringify(e) : template ? template(e) : humanLine(e)}\n`);
  };
  const stream = opts.stream !== false && (until === undefined || until > now);
  // what is there now, and from where the stream goes on
  const file = eventsFile(ctx.root);
  let offset = 0;
  try {
    offset = statSync(file).size;
  } catch { /* none yet */ }
  for (const e of readEvents(ctx.root)) show(e);
  if (!stream) return;
  mkdirSync(eventsDir(ctx.root), { recursive: true, mode: 0o700 });
  let partial = "";
  const readNew = () => {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return;
    }
    if (size < offset) offset = 0; // rotated: the new file from its start
    if (size === offset) return;
    const fd = openSync(file, "r");
    try {
      const buf = Buffer.alloc(Math.min(size - offset, 1 << 20));
      const n = readSync(fd, buf, 0, buf.length, offset);
      offset += n;
      partial += buf.toString("utf8", 0, n);
    } finally {
      closeSync(fd);
    }
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      try {
        show(JSON.parse(line) as SkiffEvent);
      } catch { /* a torn line */ }
    }
    if (size > offset) readNew();
  };
  await new Promise<void>((resolve) => {
    const watcher = watch(eventsDir(ctx.root), () => readNew());
    const end = () => { watcher.close(); resolve(); };
    if (until !== undefined) setTimeout(end, until - now);
    process.once("SIGINT", end);
    process.once("SIGTERM", end);
    readNew();
  });
};
