/**
 * An ordinary user's command, run again inside the rootless namespace. A JavaScript runtime is
 * multithreaded from its first instruction and setns(2) refuses a multithreaded caller into a user
 * namespace, so the join is done by a single-threaded program that then execs skiff: util-linux's
 * nsenter (what it costs each command: bench/rootless.sh).
 */
import { spawn } from "node:child_process";
import { SkiffError } from "../errors.js";
import { parseSignal } from "../container/signals.js";
import { selfArgv } from "../util/self.js";
import { ROOTLESS_ENV, type OuterIds } from "./userns.js";

/**
 * Runs `argv` as skiff inside the namespace of `pause`; resolves to its exit status. nsenter execs
 * skiff (no fork: no PID namespace is entered), so the child is the inner skiff: a terminal's
 * Ctrl-C reaches it with this process's group, and what is sent to this process alone (SIGTERM from
 * `timeout`, a hangup) is passed on; this process waits for its answer instead of dying first.
 */
export function runInside(pause: number, ids: OuterIds, argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // --wd: entering a mount namespace moves nsenter to its root; relative paths are the user's
  const child = spawn("nsenter", ["--target", String(pause), "--user", "--mount", "--preserve-credentials", `--wd=${process.cwd()}`, "--", ...selfArgv(), ...argv], {
    stdio: "inherit",
    env: { ...env, [ROOTLESS_ENV]: `${ids.uid}:${ids.gid}` },
  });
  const pass = (signal: NodeJS.Signals) => () => { try { child.kill(signal); } catch { /* gone */ } };
  const handlers = (["SIGTERM", "SIGHUP", "SIGQUIT"] as const).map((sig) => [sig, pass(sig)] as const);
  const ignore = () => undefined;
  process.on("SIGINT", ignore);
  for (const [sig, h] of handlers) process.on(sig, h);
  return new Promise((resolve, reject) => {
    const done = () => {
      process.off("SIGINT", ignore);
      for (const [sig, h] of handlers) process.off(sig, h);
    };
    child.on("error", () => {
      done();
      reject(new SkiffError("FAILED_PRECONDITION", "cannot run nsenter (util-linux) to join the rootless user namespace", { hint: "install util-linux" }));
    });
    child.on("exit", (code, signal) => {
      done();
      resolve(signal ? 128 + parseSignal(signal) : (code ?? 125));
    });
  });
}

/** Commands that never touch the store or a container, answered without the namespace. */
const OUTSIDE = new Set(["version", "completion", "help"]);
export const joinsNamespace = (command: string) => !OUTSIDE.has(command);

/** Ensures the namespace of the runroot `runroot` and runs `argv` inside it. */
export async function enterRootless(argv: string[], runroot: string, env: NodeJS.ProcessEnv, log: import("../log.js").Logger): Promise<number> {
  const ids = { uid: process.getuid!(), gid: process.getgid!() };
  if (!env.XDG_RUNTIME_DIR && !env.SKIFF_RUNROOT) {
    log.warn(`XDG_RUNTIME_DIR is not set (su or sudo without a login session?): runtime state goes to ${runroot}; log in, or use "su -l" or "machinectl shell", for a runtime directory of your own`);
  }
  const { ensurePause } = await import("./pause.js");
  return runInside(await ensurePause(runroot, ids, log), ids, argv, env);
}
