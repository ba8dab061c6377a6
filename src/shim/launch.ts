/**
 * Starting `skiff __shim` in its own session, stdin and stdout piped to the CLI (which
 * container/shim-client.ts speaks to). Bun.spawn where it exists: node:child_process costs a Bun
 * CLI ~10 ms of CPU to load and spawn with, on the path of every `run` (measured).
 */
import { SkiffError } from "../errors.js";
import { jsRuntime } from "../runtime-info.js";
import { findExecutable } from "../runtime/locate.js";
import { subreaperExecArgv } from "../sys/subreaper-exec.js";
import { selfArgv } from "../util/self.js";

/** The CLI's end of a started shim process. */
export interface ShimProcess {
  pid: number;
  /** Writes `text` (if any) to the shim's stdin and closes it. */
  end(text?: string): void;
  /** What the shim writes to stdout, chunk by chunk; `onEnd` once it closed it (or could not start). */
  read(onData: (text: string) => void, onEnd: (startError?: string) => void): void;
  /** Stops reading: the CLI must not be kept alive by the shim's pipe. */
  stopReading(): void;
}

export async function launchShim(): Promise<ShimProcess> {
  const [cmd, ...pre] = selfArgv();
  return detached(asSubreaper([cmd, ...pre, "__shim"]));
}

/**
 * On Node, the shim made a child subreaper by perl where there is one (sys/subreaper-exec.ts): a
 * detached container then needs no `runc run` beside it (created.ts). Bun and Deno call prctl.
 */
function asSubreaper(argv: string[]): string[] {
  return jsRuntime() === "node" ? underPerl(subreaperExecArgv, argv) : argv;
}

let perlPath: string | null | undefined;

/** `argv` as `wrap` (sys/subreaper-exec.ts) runs it under perl; as it is where there is no perl. */
export function underPerl(wrap: (arch: string, perl: string, argv: string[]) => string[] | undefined, argv: string[]): string[] {
  // looked up once: a Node shim's probes each come here
  perlPath ??= findExecutable("perl", process.env) ?? null;
  return (perlPath && wrap(process.arch, perlPath, argv)) || argv;
}

/** Only an executable can be exec'd by the shell as is (not a runtime + script). */
export function canLaunchAfterRuntime(): boolean {
  return selfArgv().length === 1;
}

/**
 * The runtime first, then the shim in the same process: a shell forks the runtime, its stdout and
 * stderr on two FIFOs, and execs the shim, which so inherits the runtime as its child (its pid is
 * the shim's argument) and the FIFOs (open read-write) on fds 3 and 4. The container starts while
 * the shim's JavaScript runtime is still starting up, rather than after it. The shell ignores
 * SIGINT and SIGQUIT in what it runs in the background; runc handles every signal itself and
 * starts the container with default dispositions (tested).
 */
const AFTER_RUNTIME = 'exec 3<>"$1" 4<>"$2"; shift 2; "$@" </dev/null >&3 2>&4 3>&- 4>&- & exec "$0" __shim "$!"';

export async function launchShimAfterRuntime(runtimeArgv: string[], fifos: [string, string]): Promise<ShimProcess> {
  const [self] = selfArgv();
  return detached(["/bin/sh", "-c", AFTER_RUNTIME, self, ...fifos, ...runtimeArgv]);
}

interface BunSubprocess {
  pid: number;
  stdin: { write(s: string): void; end(): void };
  stdout: ReadableStream<Uint8Array>;
  unref(): void;
}
declare const Bun: { spawn(argv: string[], o: { stdin: "pipe"; stdout: "pipe"; stderr: "ignore"; detached: boolean; env: Record<string, string | undefined> }): BunSubprocess } | undefined;

/**
 * A Bun shim's environment; whatever the user set wins. Bun's GC timer looks at the heap every
 * second and collects when it grew, which a shim running a check each second pays each second
 * (measured: 0.5 ms of CPU per check, a sixth of the shim's part); every 10 s it still returns an
 * idle shim's garbage. And no threads the engine would start for a checking shim, each with its
 * own allocator pages (measured, issue #14, 5+5 shims with a check every second vs none): the
 * allocator's page scavenger, woken by each probe's frees, was a sixth of the shim's CPU (0.27 ms a
 * check; without it mimalloc returns pages on its next call); a JIT worker and GC marking helpers
 * held 0.3-0.35 MB of anonymous memory in each checking shim, for no CPU measured (what a probe
 * compiles is compiled on the shim's thread instead, and its heap is marked by one). Nor the
 * engine's supply of pre-faulted heap blocks (JSCWarmUp): a probe a second is demand enough to
 * keep it full, and it was 0.5 MB of each checking shim's anonymous memory (measured, same run:
 * a check added 1.01 MB with it, 0.48 without, for the same CPU a check); an idle shim gave it
 * back after a few seconds anyway. And the shim's JavaScript stays in the interpreter (no baseline
 * JIT, so no DFG), its linked code thrown away at each collection: a probe a second made its code
 * hot, and the machine code and profiling data of every function on the probe's path were the
 * largest part of a checking shim's extra anonymous memory (measured, bench/health.sh 5 60 90, same
 * machine: a check added 0.52 MB with the JIT, 0.39 without baseline code, 0.23 with old code also
 * dropped; CPU per check 0.99x, 1.00x, 0.99x of a `runc exec` by hand; the shim's own part 2.53,
 * 2.61, 2.78 ms). A shim's work is system calls, which the interpreter makes as fast.
 */
export const shimEnv = (env: NodeJS.ProcessEnv): Record<string, string | undefined> => ({
  BUN_GC_TIMER_INTERVAL: "10000",
  MIMALLOC_SCAVENGER: "0",
  BUN_JSC_useConcurrentJIT: "0",
  BUN_JSC_numberOfGCMarkers: "1",
  BUN_JSC_useWarmUpMarkedBlocks: "0",
  BUN_JSC_thresholdForJITAfterWarmUp: "1000000",
  BUN_JSC_thresholdForJITSoon: "1000000",
  BUN_JSC_forceCodeBlockToJettisonDueToOldAge: "1",
  ...env,
});

async function detached(argv: string[]): Promise<ShimProcess> {
  return typeof Bun !== "undefined" && typeof Bun.spawn === "function" ? detachedBun(argv) : detachedNode(argv);
}

function detachedBun(argv: string[]): ShimProcess {
  let proc: BunSubprocess;
  try {
    proc = Bun!.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "ignore", detached: true, env: shimEnv(process.env) });
  } catch (err) {
    throw new SkiffError("UNAVAILABLE", `cannot start the shim (${argv[0]}): ${(err as Error).message}`);
  }
  // unref'd only once reading stops: with a read pending on an unref'd process, Bun's event loop
  // polls without sleeping (measured: ~800 empty epoll waits, 60 ms of CPU per run)
  const reader = proc.stdout.getReader();
  return {
    pid: proc.pid,
    end(text) {
      try {
        if (text) proc.stdin.write(text);
        proc.stdin.end();
      } catch { /* the shim is gone: its stdout says so */ }
    },
    read(onData, onEnd) {
      const decoder = new TextDecoder();
      void (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            onData(decoder.decode(value, { stream: true }));
          }
        } catch { /* cancelled, or the pipe broke: the end either way */ }
        onEnd();
      })();
    },
    stopReading() {
      void reader.cancel().catch(() => undefined);
      proc.unref();
    },
  };
}

async function detachedNode(argv: string[]): Promise<ShimProcess> {
  const { spawn } = await import("node:child_process");
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ["pipe", "pipe", "ignore"] });
  child.unref();
  child.stdin!.on("error", () => undefined);
  let startError: string | undefined;
  let ended: ((startError?: string) => void) | undefined;
  child.on("error", (err) => {
    startError = err.message;
    ended?.(startError);
  });
  return {
    pid: child.pid ?? 0,
    end: (text) => void child.stdin!.end(text ?? ""),
    read(onData, onEnd) {
      ended = onEnd;
      child.stdout!.on("data", (d: Buffer) => onData(d.toString()));
      child.stdout!.on("close", () => onEnd(startError));
    },
    stopReading: () => void child.stdout!.destroy(),
  };
}
