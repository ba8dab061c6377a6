/** The OCI runtime a container was created with (--runtime), found on the PATH or the sbin dirs. */
import { SkiffError } from "../errors.js";
import { findExecutable } from "../runtime/locate.js";
import { join } from "node:path";
import { runArgs, type RuntimeRef } from "../runtime/runc.js";
import { bundleDir, runtimeStateRoot, type ContainerPaths } from "./paths.js";
import type { ContainerRecord } from "./record.js";

/** The runtime's executable; one clear line when it is not there. */
export function runtimePath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = findExecutable(name, env);
  if (!path) throw new SkiffError("NOT_FOUND", `OCI runtime "${name}" not found`, { hint: "install runc (apt-get install runc) or pass --runtime" });
  return path;
}

export function runtimeOf(p: ContainerPaths, rec: ContainerRecord, env: NodeJS.ProcessEnv = process.env): RuntimeRef {
  return { path: runtimePath(rec.runtime, env), stateRoot: runtimeStateRoot(p) };
}

/** Where the runtime writes the container's pid (once it started) and its JSON log, in the bundle. */
export function runtimeFiles(p: ContainerPaths, id: string): { pidFile: string; logFile: string } {
  const bundle = bundleDir(p, id);
  return { pidFile: join(bundle, "pid"), logFile: join(bundle, "runtime.log") };
}

/** The foreground `runc run` of the container's bundle, as the shim or its launcher starts it. */
export function foregroundArgv(p: ContainerPaths, rec: ContainerRecord, rt = runtimeOf(p, rec)): string[] {
  const { pidFile, logFile } = runtimeFiles(p, rec.id);
  return [rt.path, ...runArgs(rt, logFile, bundleDir(p, rec.id), pidFile, rec.id)];
}

/** The FIFOs a runtime started before its shim writes the container's stdout and stderr to. */
export function outputFifos(p: ContainerPaths, id: string): [string, string] {
  const bundle = bundleDir(p, id);
  return [join(bundle, "stdout.fifo"), join(bundle, "stderr.fifo")];
}
