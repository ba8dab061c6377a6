/**
 * The OCI runtime's command line (runc, and crun/youki which accept the same verbs): argv builders
 * (pure) and a runner that turns a failure into one line from the runtime's JSON log.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import { runcError } from "./errors.js";

export interface RuntimeRef {
  /** Absolute path of the runtime binary. */
  path: string;
  /** The runtime's --root (its state directory; tmpfs). */
  stateRoot: string;
}

/** Global flags first: a JSON log the caller can read a failure from. */
export function globalArgs(rt: RuntimeRef, logFile: string): string[] {
  return ["--root", rt.stateRoot, "--log", logFile, "--log-format", "json"];
}

/** Foreground `run`: the runtime stays the container's parent and exits with its status. */
export function runArgs(rt: RuntimeRef, logFile: string, bundle: string, pidFile: string, id: string): string[] {
  return [...globalArgs(rt, logFile), "run", "--bundle", bundle, "--pid-file", pidFile, id];
}

/** Detached lifecycle: create (the container waits on its exec fifo), then start; the caller reaps it. */
export function createArgs(rt: RuntimeRef, logFile: string, bundle: string, pidFile: string, id: string): string[] {
  return [...globalArgs(rt, logFile), "create", "--bundle", bundle, "--pid-file", pidFile, id];
}

export function startArgs(rt: RuntimeRef, logFile: string, id: string): string[] {
  return [...globalArgs(rt, logFile), "start", id];
}

export function killArgs(rt: RuntimeRef, logFile: string, id: string, signal: string): string[] {
  return [...globalArgs(rt, logFile), "kill", id, signal];
}

export function deleteArgs(rt: RuntimeRef, logFile: string, id: string, force: boolean): string[] {
  return [...globalArgs(rt, logFile), "delete", ...(force ? ["--force"] : []), id];
}

export function execArgs(rt: RuntimeRef, logFile: string, id: string, processFile: string, opts: { detach: boolean; tty: boolean; pidFile?: string }): string[] {
  return [
    ...globalArgs(rt, logFile), "exec", "--process", processFile,
    ...(opts.detach ? ["--detach"] : []), ...(opts.pidFile ? ["--pid-file", opts.pidFile] : []), id,
  ];
}

export function pauseArgs(rt: RuntimeRef, logFile: string, id: string, pause: boolean): string[] {
  return [...globalArgs(rt, logFile), pause ? "pause" : "resume", id];
}

/** The runtime's last error in `logFile`, read once and then removed (so the next call starts clean). */
export function takeRuntimeError(logFile: string): string | undefined {
  let text = "";
  try {
    text = readFileSync(logFile, "utf8");
  } catch {
    return undefined;
  }
  rmSync(logFile, { force: true });
  return runcError(text);
}

/**
 * Runs a short runtime command (kill, delete, pause, state) to completion. A failure becomes a
 * SkiffError carrying the runtime's own message.
 */
export async function runRuntime(rt: RuntimeRef, argv: string[], logFile: string, what: string): Promise<string> {
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    const child = spawn(rt.path, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", (e) => reject(new SkiffError("UNAVAILABLE", `${what}: cannot run ${rt.path}: ${e.message}`)));
    child.on("close", (code) => {
      const logged = takeRuntimeError(logFile);
      if (code === 0) return resolve(out);
      reject(new SkiffError("FAILED_PRECONDITION", `${what}: ${logged ?? (err.trim() || `${rt.path} exited with ${code}`)}`));
    });
  });
}

export const runtimeLogFile = (dir: string, name = "runtime.log") => join(dir, name);
