/**
 * A detached container without a runtime process beside it: `runc create`, then `runc start`, with
 * the shim as child subreaper, so that the container's init becomes the shim's child when
 * `runc create` exits and the shim reaps it itself (waitpid). A foreground `runc run` stays ~2.7 MB
 * of memory for the container's whole life; this costs two short runtime calls at start instead,
 * which is why attached containers (where start-up latency is what users feel) keep `runc run`.
 * Needs a subreaper (FFI on Bun; perl's prctl on Node, sys/subreaper-exec.ts): the caller checks
 * `createdSupported`.
 */
import { existsSync, readFileSync, renameSync } from "node:fs";
import type { Sys } from "../sys/types.js";
import type { StdioPipes } from "./pipes.js";
import { reap, startProcess, type ChildIO, type RuntimeChild } from "./child.js";

/**
 * Containers one Node shim may run this way: each leaves its init a zombie until the shim exits
 * (Node reads the status, it cannot reap); a container restarted more often goes back to `runc run`.
 */
export const UNREAPED_RUNS = 16;

/** Whether this shim can run its container so; `runs`: the runs it made so far. */
export function createdSupported(sys: Sys, runs = 0): boolean {
  return sys.supports.subreaper && (sys.supports.reap || runs < UNREAPED_RUNS);
}

export interface CreatedArgv { create: string[]; start: string[]; delete: string[] }

const run = async (argv: string[]): Promise<number> => (await startProcess(argv)).exited;

/**
 * Creates and starts the container. `createdPidFile` is where runc create writes the init's pid;
 * it is renamed to `pidFile` once the container really started (the shim reports "running" when
 * that file appears). Output arrives on `io` for as long as the container keeps it open.
 */
export function spawnCreated(argv: CreatedArgv, stateDir: string, createdPidFile: string, pidFile: string, pipes: StdioPipes, io: ChildIO, sys: Sys): RuntimeChild {
  let initPid = 0;
  const exited = (async () => {
    sys.setChildSubreaper(true);
    // a restart: the previous container of this ID must go first
    if (existsSync(stateDir)) await run(argv.delete);
    let proc;
    try {
      proc = await startProcess(argv.create, pipes.child[1], pipes.child[2]);
    } finally {
      pipes.closeChildEnds();
    }
    // the container's stdout and stderr are these pipes: they stay open after runc create exits
    const drained = pipes.drain(io.onStdout, io.onStderr).catch(() => undefined);
    const created = await proc.exited;
    if (created !== 0) return created;
    initPid = Number(readFileSync(createdPidFile, "utf8"));
    const started = await run(argv.start);
    // the created container is deleted (and its init killed) by the shim's release
    if (started !== 0) return started;
    renameSync(createdPidFile, pidFile);
    // the container closed its output: it exited (or runs on with stdout and stderr closed)
    await drained;
    return reap(sys, initPid);
  })();
  return {
    writeStdin: () => undefined,
    endStdin: () => undefined,
    resize: () => undefined,
    kill: (sig) => {
      try {
        if (initPid) process.kill(initPid, sig as NodeJS.Signals);
      } catch { /* gone */ }
    },
    exited: exited.catch(() => 125),
  };
}
