/** The OCI runtime a container was created with (--runtime), found on the PATH or the sbin dirs. */
import { SkiffError } from "../errors.js";
import { findExecutable } from "../runtime/locate.js";
import type { RuntimeRef } from "../runtime/runc.js";
import { runtimeStateRoot, type ContainerPaths } from "./paths.js";
import type { ContainerRecord } from "./record.js";

export function runtimeOf(p: ContainerPaths, rec: ContainerRecord, env: NodeJS.ProcessEnv = process.env): RuntimeRef {
  const path = findExecutable(rec.runtime, env);
  if (!path) throw new SkiffError("NOT_FOUND", `OCI runtime "${rec.runtime}" not found`, { hint: "install runc (apt-get install runc) or pass --runtime" });
  return { path, stateRoot: runtimeStateRoot(p) };
}
