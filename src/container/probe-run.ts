/**
 * Running one health probe's `runc exec` to its end: stdout and stderr together and bounded, the
 * probe and everything it started SIGKILLed past its timeout.
 *
 * On Bun (FFI) the output is one pipe of ours, read when the probe ends and every DRAIN_MS while
 * it runs (a talkative check never blocks on a full pipe): Bun's "pipe" would be two sockets and
 * two ReadableStreams a probe, measured a third of the shim's own CPU per check. Where the caller
 * is a child subreaper (the shim; `healthcheck run` makes the CLI one), runc is told to --detach:
 * it hands the pipe to the probe as it is (the lines in the order written), and the probe,
 * reparented to the caller, is reaped by it; its end is the probe's end, as podman's, even when it
 * left a process holding the pipe. On Node and Deno runc stays in front and copies the streams.
 */
import { closeSync, readFileSync, readSync } from "node:fs";
import { errnoCode } from "../errors.js";
import { bunSpawn, reap } from "../shim/child.js";
import { getSys } from "../sys/index.js";
import type { Sys } from "../sys/types.js";
import { processTable } from "./liveness.js";
import { underPerl } from "../shim/launch.js";
import { madeSubreaper, reapingExecArgv } from "../sys/subreaper-exec.js";

const DRAIN_MS = 250;
/**
 * What every probe of the process drains its pipe through (a drain is synchronous and its reader
 * copies out what it read): one a probe was 16 kB of garbage a second till the next collection.
 */
const drainBuffer = Buffer.allocUnsafe(16384);
/** How long a runtime whose timed-out probe was killed may take to go before it is killed too. */
const RUNTIME_GRACE_MS = 2000;

export interface ProbeRun { code: number; output: string; timedOut: boolean }

/** The runtime's argv for the probe, attached or detached. */
export type ProbeArgv = (detach: boolean) => string[];

/** The processes below `pid` (from /proc's parent links). */
function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const { pid: child, ppid } of processTable()) children.set(ppid, [...(children.get(ppid) ?? []), child]);
  const out: number[] = [];
  const walk = (p: number) => { for (const c of children.get(p) ?? []) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

/** The pid runc wrote for the probe's process, or undefined before it did. */
function probePid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, "utf8"));
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the probe; SIGKILLs it (the process runc started, by `pidFile`, and its descendants) and runc after `timeoutMs`. */
export async function runProbe(argv: ProbeArgv, timeoutMs: number, pidFile: string, maxOutput: number): Promise<ProbeRun> {
  let output = "";
  const keep = (b: Buffer) => { if (output.length < maxOutput) output += b.toString("utf8"); };
  let timedOut = false;
  const killInside = () => {
    const pid = probePid(pidFile);
    if (pid === undefined) return;
    for (const victim of [pid, ...descendantsOf(pid)]) {
      try {
        process.kill(victim, "SIGKILL");
      } catch { /* gone */ }
    }
  };
  const onTimeout = () => { timedOut = true; killInside(); };
  const spawnBun = bunSpawn();
  const sys = spawnBun ? await getSys() : undefined;
  if (spawnBun && sys?.supports.subreaper) {
    const code = await runOnPipe(spawnBun, sys, argv, timeoutMs, keep, onTimeout, pidFile);
    return { code, output, timedOut };
  }
  const { spawn } = await import("node:child_process");
  const [cmd, ...args] = reaped(argv(false));
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    // the runtime is killed only if it outlives its probe: killed first, it would leave the probe
    // to a subreaper shim on Node, which cannot reap it, and the container's PID namespace (so its
    // end) would wait for that zombie
    let late: ReturnType<typeof setTimeout> | undefined;
    const timer = setTimeout(() => {
      onTimeout();
      late = setTimeout(() => child.kill("SIGTERM"), RUNTIME_GRACE_MS);
    }, timeoutMs);
    child.on("exit", () => clearTimeout(late));
    child.on("error", () => { clearTimeout(timer); resolve({ code: 125, output: "cannot run the OCI runtime", timedOut }); });
    child.on("close", (code) => { clearTimeout(timer); resolve({ code: code ?? 1, output, timedOut }); });
  });
}

/**
 * On a Node shim made a subreaper by perl (which so exists), the runtime under perl's reaping
 * wrapper: what a failed `runc exec` leaves goes to perl, not to the shim, which cannot reap it.
 */
function reaped(argv: string[]): string[] {
  return madeSubreaper(process.env, process.pid) ? underPerl(reapingExecArgv, argv) : argv;
}

async function runOnPipe(spawnBun: NonNullable<ReturnType<typeof bunSpawn>>, sys: Sys, argv: ProbeArgv, timeoutMs: number, keep: (b: Buffer) => void, onTimeout: () => void, pidFile: string): Promise<number> {
  const detach = sys.isChildSubreaper();
  const [r, w] = sys.pipe();
  const buf = drainBuffer;
  const drain = () => {
    for (;;) {
      let n: number;
      try {
        n = readSync(r, buf, 0, buf.length, null);
      } catch (err) {
        if (errnoCode(err) === "EAGAIN") return;
        throw err;
      }
      if (n === 0) return;
      keep(buf.subarray(0, n));
    }
  };
  let proc: ReturnType<typeof spawnBun>;
  try {
    proc = spawnBun(argv(detach), { stdin: "ignore", stdout: w, stderr: w });
  } catch (err) {
    closeSync(r);
    throw err;
  } finally {
    closeSync(w);
  }
  const drainer = setInterval(drain, DRAIN_MS);
  const timer = setTimeout(() => { onTimeout(); proc.kill("SIGKILL"); }, timeoutMs);
  try {
    const runtimeCode = await proc.exited;
    if (!detach || runtimeCode !== 0) return runtimeCode;
    const pid = probePid(pidFile);
    if (pid === undefined) return 125; // runc said it started the probe and wrote no pid
    return await reap(sys, pid);
  } finally {
    clearInterval(drainer);
    clearTimeout(timer);
    // what is left; a process the check left behind may hold the pipe open: not waited for
    try {
      drain();
    } finally {
      closeSync(r);
    }
  }
}
