/**
 * The foreground runtime process the shim supervises, behind one interface: with pipes (every JS
 * runtime), or on a pseudo-terminal for -t (Bun's Terminal: runc then finds a console on its stdio,
 * puts the container on a pty of its own and resizes it on SIGWINCH).
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { SkiffError } from "../errors.js";
import { exitStatus } from "../runtime/errors.js";

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

export function spawnPiped(argv: string[], interactive: boolean, io: ChildIO): RuntimeChild {
  const child = spawn(argv[0], argv.slice(1), { stdio: [interactive ? "pipe" : "ignore", "pipe", "pipe"] });
  child.stdin?.on("error", () => undefined);
  child.stdout!.on("data", io.onStdout);
  child.stderr!.on("data", io.onStderr);
  const exited = new Promise<number>((resolve) => {
    child.on("error", () => resolve(125));
    child.on("close", (code, signal) => resolve(exitStatus(code, signal === null ? null : (constants.signals[signal] ?? 0))));
  });
  return {
    pid: child.pid,
    writeStdin: (b) => child.stdin?.write(b),
    endStdin: () => child.stdin?.end(),
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
interface BunLike {
  Terminal: new (o: { cols: number; rows: number; data(t: unknown, d: Uint8Array): void }) => BunTerminal;
  spawn(argv: string[], o: { terminal: BunTerminal }): { pid: number; exited: Promise<number>; signalCode: string | null; kill(sig?: string): void };
}
declare const Bun: BunLike | undefined;

export function terminalSupported(): boolean {
  return typeof Bun !== "undefined" && typeof Bun.Terminal === "function";
}

export function spawnTerminal(argv: string[], io: ChildIO): RuntimeChild {
  if (typeof Bun === "undefined" || typeof Bun.Terminal !== "function") {
    throw new SkiffError("NOT_IMPLEMENTED", "-t needs the skiff executable (a pseudo-terminal is not available on this JavaScript runtime)");
  }
  const term = new Bun.Terminal({ cols: 80, rows: 24, data: (_t, d) => io.onStdout(Buffer.from(d)) });
  const proc = Bun.spawn(argv, { terminal: term });
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
    resize: (rows, cols) => term.resize(cols, rows),
    kill: (sig) => {
      try {
        proc.kill(sig);
      } catch { /* gone */ }
    },
    exited,
  };
}
