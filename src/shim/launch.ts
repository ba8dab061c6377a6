/** Starting `skiff __shim`: a tiny module, so the entry point can do it before loading anything else. */
import type { ChildProcess } from "node:child_process";
import { selfArgv } from "../util/self.js";

/** The shim process in its own session, stdin and stdout piped to this one (container/shim-client.ts takes it over). */
export async function launchShim(): Promise<ChildProcess> {
  const { spawn } = await import("node:child_process");
  const [cmd, ...pre] = selfArgv();
  const child = spawn(cmd, [...pre, "__shim"], { detached: true, stdio: ["pipe", "pipe", "ignore"] });
  child.unref();
  child.stdin!.on("error", () => undefined);
  return child;
}
