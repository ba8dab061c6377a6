/** Starting `skiff __shim`: a tiny module, so the entry point can do it before loading anything else. */
import type { ChildProcess } from "node:child_process";
import { selfArgv } from "../util/self.js";

/** The shim process in its own session, stdin and stdout piped to this one (container/shim-client.ts takes it over). */
export async function launchShim(): Promise<ChildProcess> {
  const [cmd, ...pre] = selfArgv();
  return detached(cmd, [...pre, "__shim"]);
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

export async function launchShimAfterRuntime(runtimeArgv: string[], fifos: [string, string]): Promise<ChildProcess> {
  const [self] = selfArgv();
  return detached("/bin/sh", ["-c", AFTER_RUNTIME, self, ...fifos, ...runtimeArgv]);
}

async function detached(cmd: string, args: string[]): Promise<ChildProcess> {
  const { spawn } = await import("node:child_process");
  const child = spawn(cmd, args, { detached: true, stdio: ["pipe", "pipe", "ignore"] });
  child.unref();
  child.stdin!.on("error", () => undefined);
  return child;
}
