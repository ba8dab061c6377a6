/** The OCI runtime a container was created with (--runtime), found on the PATH or the sbin dirs. */
import { SkiffError } from "../errors.js";
import { findExecutable } from "../runtime/locate.js";
import type { RuntimeRef } from "../runtime/runc.js";
import { runtimeStateRoot, type ContainerPaths } from "./paths.js";
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
