/**
 * The foreground runtime process the shim supervises, behind one interface: with pipes, or on a
 * pseudo-terminal for -t (Bun's Terminal, or script(1) elsewhere: runc then finds a console on its stdio, puts the
 * container on a pty of its own and resizes it on SIGWINCH). Pipes use Bun.spawn where it exists
 * and node:child_process elsewhere: the node module costs a Bun shim ~1 MB for the container's
 * whole life (see unix-server.ts).
 */
import { constants } from "node:os";
import { existsSync } from "node:fs";
import { exitStatus } from "../runtime/errors.js";
import type { Sys } from "../sys/types.js";
import type { StdioPipes } from "./pipes.js";
import { scriptMissing, spawnScriptTerminal } from "./script-terminal.js";

export interface RuntimeChild {
  pid?: number;
  writeStdin(b: Buffer): void;
  endStdin(): void;
  resize(rows: number, cols: number): void;
  kill(signal: string): void;
  /** The status (128+N after signal N) once the process exited and its output was drained. */
  exited: Promise<number>;
}

export interface ChildIO { onStdout(b: Buffer): void; onStderr(b: Buffer): void }

export const signalNumber = (name: string | null) => (name === null ? null : (constants.signals[name as NodeJS.Signals] ?? 0));

/** The runtime with its stdio on `pipes` (see pipes.ts): FIFOs, never the sockets "pipe" would give. */
export async function spawnPiped(argv: string[], pipes: StdioPipes, io: ChildIO): Promise<RuntimeChild> {
  if (typeof Bun !== "undefined" && typeof Bun.spawn === "function") return spawnPipedBun(argv, pipes, io);
  const { spawn } = await import("node:child_process");
  const child = spawn(argv[0], argv.slice(1), { stdio: pipes.child });
  const spawned = new Promise<boolean>((resolve) => {
    child.on("spawn", () => resolve(true));
    child.on("error", () => resolve(false));
  });
  const exited = (async () => {
    const ok = await spawned;
    pipes.closeChildEnds();
    if (!ok) return 125;
    const [status] = await Promise.all([
      new Promise<number>((resolve) => child.on("exit", (code, signal) => resolve(exitStatus(code, signalNumber(signal))))),
      pipes.drain(io.onStdout, io.onStderr),
    ]);
    return status;
  })();
  return {
    pid: child.pid,
    writeStdin: (b) => pipes.stdin?.write(b),
    endStdin: () => pipes.stdin?.end(),
    resize: () => undefined,
    kill: (sig) => {
      try {
        child.kill(sig as NodeJS.Signals);
      } catch { /* gone */ }
    },
    exited,
  };
}

interface BunTerminal { write(d: Uint8Array | string): void; resize(cols: number, rows: number): void; close(): void }
interface BunSink { write(d: Uint8Array): number; flush(): void; end(): void }
interface BunProcess { pid: number; exited: Promise<number>; exitCode: number | null; signalCode: string | null; kill(sig?: string): void; stdin?: BunSink; stdout: ReadableStream<Uint8Array>; stderr: ReadableStream<Uint8Array> }
interface BunLike {
  Terminal: new (o: { cols: number; rows: number; data(t: unknown, d: Uint8Array): void }) => BunTerminal;
  spawn(argv: string[], o: { terminal?: BunTerminal; stdin?: "pipe" | "ignore" | number; stdout?: "pipe" | "ignore" | number; stderr?: "pipe" | "ignore" | number }): BunProcess;
}
declare const Bun: BunLike | undefined;

/** Bun's spawn, when this runtime is Bun. */
export const bunSpawn = (): BunLike["spawn"] | undefined => (typeof Bun !== "undefined" && typeof Bun.spawn === "function" ? Bun.spawn : undefined);

export async function pump(stream: ReadableStream<Uint8Array>, to: (b: Buffer) => void): Promise<void> {
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    to(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
}

/**
 * A short process (runc create, start, delete) with no stdin and its output on the fds given (the
 * caller closes its copies once this returned): its status (128+N after signal N; 125 when it
 * could not start). Bun.spawn where it exists, node:child_process elsewhere.
 */
export async function startProcess(argv: string[], stdout: number | "ignore" = "ignore", stderr: number | "ignore" = stdout): Promise<{ exited: Promise<number> }> {
  const spawnBun = bunSpawn();
  if (spawnBun) {
    const proc = spawnBun(argv, { stdin: "ignore", stdout, stderr });
    return { exited: proc.exited.then((code) => exitStatus(code, signalNumber(proc.signalCode))) };
  }
  const { spawn } = await import("node:child_process");
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", stdout, stderr] });
  return {
    exited: new Promise((resolve) => {
      child.on("error", () => resolve(125));
      child.on("exit", (code, signal) => resolve(exitStatus(code, signalNumber(signal))));
    }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child's status once it is gone, through waitpid (for children Bun did not spawn itself). */
export async function reap(sys: Sys, pid: number): Promise<number> {
  for (let delay = 1; ; delay = Math.min(delay * 2, 250)) {
    let status: number | undefined;
    try {
      status = sys.waitExited(pid);
    } catch {
      // not our child after all (another reaper took it): its status is lost, its end is not
      if (!existsSync(`/proc/${pid}`)) return 255;
    }
    if (status !== undefined) return status;
    await sleep(delay);
  }
}

function spawnPipedBun(argv: string[], pipes: StdioPipes, io: ChildIO): RuntimeChild {
  let proc: BunProcess;
  try {
    const [stdin, stdout, stderr] = pipes.child;
    proc = Bun!.spawn(argv, { stdin, stdout, stderr });
  } catch {
    pipes.closeChildEnds();
    return { writeStdin: () => undefined, endStdin: () => undefined, resize: () => undefined, kill: () => undefined, exited: Promise.resolve(125) };
  }
  pipes.closeChildEnds();
  // the status once the process is gone and both pipes are drained, as node's "close"
  const drained = pipes.drain(io.onStdout, io.onStderr).catch(() => undefined);
  const exited = Promise.all([proc.exited, drained]).then(() => exitStatus(proc.exitCode, signalNumber(proc.signalCode)));
  return {
    pid: proc.pid,
    writeStdin: (b) => pipes.stdin?.write(b),
    endStdin: () => pipes.stdin?.end(),
    resize: () => undefined,
    kill: (sig) => {
      try {
        proc.kill(sig);
      } catch { /* gone */ }
    },
    exited,
  };
}

/** Why -t cannot work here, or undefined: Bun's own pseudo-terminal, or script(1) (script-terminal.ts). */
export function terminalUnsupported(): Error | undefined {
  return bunTerminal() ? undefined : scriptMissing(existsSync);
}

const bunTerminal = () => typeof Bun !== "undefined" && typeof Bun.Terminal === "function";

export async function spawnTerminal(argv: string[], io: ChildIO): Promise<RuntimeChild> {
  if (!bunTerminal()) {
    const missing = scriptMissing(existsSync);
    if (missing) throw missing;
    return spawnScriptTerminal(argv, io);
  }
  const term = new Bun!.Terminal({ cols: 80, rows: 24, data: (_t, d) => io.onStdout(Buffer.from(d)) });
  const proc = Bun!.spawn(argv, { terminal: term });
  const exited = proc.exited.then((code) => {
    // let the last output arrive before the terminal goes
    return new Promise<number>((r) => setTimeout(() => {
      term.close();
      r(proc.signalCode ? 128 + (constants.signals[proc.signalCode as NodeJS.Signals] ?? 0) : code);
    }, 20));
  });
  return {
    pid: proc.pid,
    writeStdin: (b) => term.write(b),
    endStdin: () => term.write("\x04"),
    resize: (rows, cols) => {
      term.resize(cols, rows);
      // the pty is not the runtime's controlling terminal, so the kernel's SIGWINCH goes nowhere:
      // runc resizes the container's console from its own on this signal (ignored until it starts)
      try {
        proc.kill("SIGWINCH");
      } catch { /* gone */ }
    },
    kill: (sig) => {
      try {
        proc.kill(sig);
      } catch { /* gone */ }
    },
    exited,
  };
}
