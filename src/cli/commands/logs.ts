/** `logs`: the k8s-file log (rotated files oldest first), with --tail, --since/--until, -t and -f. */
import { closeSync, fstatSync, readSync, statSync } from "node:fs";
import { openLogForRead } from "../../container/logfile.js";
import { SkiffError } from "../../errors.js";
import { observedState } from "../../container/lifecycle.js";
import { displayTime, joinRecords, parseRecord, type LogRecord } from "../../container/logformat.js";
import { parseTimeArg } from "../../container/policy.js";
import { getRecord, listRecords } from "../../container/store.js";
import type { Handler } from "../table/types.js";
import type { ContainerRecord } from "../../container/record.js";
import { pathsOf } from "./container-context.js";

function readText(path: string): string {
  return readFrom(path, 0).toString("utf8");
}

function records(text: string): LogRecord[] {
  return text.split("\n").map(parseRecord).filter((r): r is LogRecord => r !== undefined);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * logs of one container, or of several (each line then starts with the container's short ID, or
 * its name with --names, as podman's; followed side by side with -f).
 */
export const logs: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const all = listRecords(p);
  if (!args[0] && !opts.latest) throw new SkiffError("INVALID_ARGUMENT", "give a container name or ID, or --latest");
  const recs = args.length ? args.map((a) => getRecord(p, a, all)) : all.slice(-1);
  if (recs.length === 0) throw new SkiffError("NOT_FOUND", "no containers");
  for (const rec of recs) if (rec.options.log.driver === "none") throw new SkiffError("FAILED_PRECONDITION", `container ${rec.name} has logging disabled (--log-driver none)`);
  const prefix = (rec: ContainerRecord) => (recs.length > 1 ? `${opts.names ? rec.name : rec.id.slice(0, 12)} ` : "");
  await Promise.all(recs.map((rec) => logsOf(ctx, p, rec, opts, prefix(rec))));
};

async function logsOf(ctx: Parameters<Handler>[0]["ctx"], p: ReturnType<typeof pathsOf>, rec: ContainerRecord, opts: Record<string, unknown>, prefix: string): Promise<void> {
  const now = Date.now();
  const since = typeof opts.since === "string" ? parseTimeArg(opts.since, now, "--since") : -Infinity;
  const until = typeof opts.until === "string" ? parseTimeArg(opts.until, now, "--until") : Infinity;
  const tail = typeof opts.tail === "number" ? opts.tail : -1;
  const print = (r: { time: string; stream: string; line: string }) => {
    const text = `${prefix}${opts.timestamps ? `${displayTime(r.time)} ` : ""}${r.line}\n`;
    (r.stream === "stderr" ? ctx.stderr : ctx.stdout).write(text);
  };
  const path = rec.logPath;
  const rotated: string[] = [];
  for (let i = rec.options.log.maxFile - 1; i >= 1; i--) rotated.push(readText(`${path}.${i}`));
  let offset = 0;
  let current = "";
  const first = readFrom(path, 0);
  current = first.toString("utf8");
  offset = first.length;
  let lines = joinRecords(records(rotated.join("") + current)).filter((r) => {
    const t = Date.parse(r.time);
    return t >= since && t <= until;
  });
  if (tail >= 0) lines = tail === 0 ? [] : lines.slice(-tail);
  lines.forEach(print);
  if (!opts.follow) return;
  // follow: read what is appended until the container has stopped and nothing more comes
  let partial = "";
  let ino = safeIno(path);
  for (;;) {
    const alive = observedState(p, rec.id).status;
    const chunk = readFrom(path, offset);
    if (safeIno(path) !== ino) {
      ino = safeIno(path);
      offset = 0; // rotated: the new file starts over
      continue;
    }
    if (chunk.length) {
      offset += chunk.length;
      const text = partial + chunk.toString("utf8");
      const cut = text.lastIndexOf("\n");
      partial = text.slice(cut + 1);
      joinRecords(records(text.slice(0, cut + 1))).filter((r) => Date.parse(r.time) <= until).forEach(print);
      continue;
    }
    if (alive !== "running" && alive !== "stopping" && alive !== "paused") return;
    await sleep(100);
  }
}

function safeIno(path: string): number {
  try {
    return statSync(path).ino;
  } catch {
    return 0;
  }
}

function readFrom(path: string, offset: number): Buffer {
  const fd = openLogForRead(path);
  if (fd === undefined) return Buffer.alloc(0);
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
