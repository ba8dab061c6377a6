/**
 * The event log: one append-only file of JSON lines under --root, written by the CLI and by the
 * shims (podman's fields: ID, Image, Name, Status, Time, Type, Attributes), read by `events`.
 * Each event is one write(2) with O_APPEND, so writers never interleave; the file is rotated (one
 * old generation kept) when it passes MAX_BYTES. Writing an event never fails the command that
 * made it: a full disk or a read-only store loses the event, not the container.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync, constants } from "node:fs";
import { join } from "node:path";

export type EventType = "container" | "image" | "volume" | "network" | "system";

export interface SkiffEvent {
  ID?: string;
  Image?: string;
  Name?: string;
  Status: string;
  /** RFC 3339 with nanoseconds, as podman writes it. */
  Time: string;
  Type: EventType;
  Attributes?: Record<string, string> | null;
  ContainerExitCode?: number;
  HealthStatus?: string;
}

/** A file this large is rotated: two generations are at most twice this. */
export const MAX_BYTES = 16 << 20;

export const eventsDir = (root: string) => join(root, "events");
export const eventsFile = (root: string) => join(eventsDir(root), "events.log");

/** A time with nanoseconds from the high-resolution clock (events in one millisecond keep their order). */
export function eventTime(now = Date.now(), hr = process.hrtime.bigint()): string {
  const iso = new Date(now).toISOString();
  const nanos = String(hr % 1_000_000n).padStart(6, "0");
  return `${iso.slice(0, 23)}${nanos}Z`;
}

/** Appends one event; never throws. */
export function emitEvent(root: string, e: Omit<SkiffEvent, "Time"> & { Time?: string }): void {
  try {
    const file = eventsFile(root);
    if (!existsSync(eventsDir(root))) mkdirSync(eventsDir(root), { recursive: true, mode: 0o700 });
    try {
      if (statSync(file).size > MAX_BYTES) renameSync(file, `${file}.1`);
    } catch { /* no file yet */ }
    const line = `${JSON.stringify({ ...e, Time: e.Time ?? eventTime() })}\n`;
    const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, line);
    } finally {
      closeSync(fd);
    }
  } catch { /* the event is lost, the command goes on */ }
}

/** Every event in the log, oldest first; lines that do not parse are skipped. */
export function readEvents(root: string): SkiffEvent[] {
  const out: SkiffEvent[] = [];
  for (const f of [`${eventsFile(root)}.1`, eventsFile(root)]) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as SkiffEvent;
        if (e && typeof e.Status === "string" && typeof e.Time === "string") out.push(e);
      } catch { /* a torn or foreign line */ }
    }
  }
  return out;
}

/** A container's event: its ID, image and name, and its labels as attributes (podman's). */
export function containerEvent(root: string, rec: { id: string; name: string; image: { name: string }; options: { labels: Record<string, string> }; purpose?: string }, status: string, extra: Partial<SkiffEvent> = {}): void {
  if (rec.purpose === "build") return; // a build's working containers are the build's business
  emitEvent(root, { ID: rec.id, Image: rec.image.name, Name: rec.name, Status: status, Type: "container", Attributes: { ...rec.options.labels, ...(extra.Attributes ?? {}) }, ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "Attributes")) });
}
