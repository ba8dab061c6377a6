/**
 * The runtime a shim finds already running: launched before it (shim/launch.ts), a child it
 * inherited through exec, its output on two FIFOs open read-write on fds 3 and 4. Each is opened
 * again read-only and the inherited descriptor closed, so the shim sees end-of-file once the
 * runtime and the container are gone; the status is then taken with waitpid (Bun does not know
 * this child). Needs Bun (it reads the FIFOs as files) and FFI (waitpid).
 */
import { closeSync, constants, openSync } from "node:fs";
import type { Sys } from "../sys/types.js";
import { pump, reap, type ChildIO, type RuntimeChild } from "./child.js";

interface BunFiles { file(fd: number): { stream(): ReadableStream<Uint8Array> } }
declare const Bun: BunFiles;

/** The inherited descriptors of the runtime's stdout and stderr FIFOs. */
export const INHERITED_OUTPUT = [3, 4] as const;

function readOnlyAgain(fd: number): number {
  const again = openSync(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK);
  closeSync(fd);
  return again;
}

async function drain(fd: number, to: (b: Buffer) => void): Promise<void> {
  try {
    await pump(Bun.file(fd).stream(), to);
  } finally {
    try {
      closeSync(fd);
    } catch { /* closed with the stream */ }
  }
}

export function adoptRuntime(pid: number, io: ChildIO, sys: Promise<Sys>): RuntimeChild {
  const [out, err] = INHERITED_OUTPUT.map(readOnlyAgain);
  const drained = Promise.all([drain(out, io.onStdout), drain(err, io.onStderr)]).catch(() => undefined);
  const exited = drained.then(async () => reap(await sys, pid)).catch(() => 125);
  return {
    pid,
    writeStdin: () => undefined,
    endStdin: () => undefined,
    resize: () => undefined,
    kill: (sig) => {
      try {
        process.kill(pid, sig as NodeJS.Signals);
      } catch { /* gone */ }
    },
    exited,
  };
}
