/** `exec`: a process spec derived from the running container's own, run by the runtime in its namespaces. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import { DEFAULT_CAPS, ALL_CAPS } from "../spec/defaults.js";
import { mergeEnv } from "../spec/build.js";
import type { Process, Spec } from "../spec/types.js";
import { resolveUser } from "../spec/user.js";
import { readFileIn } from "../snapshot/rooted.js";
import { bundleDir, rootfsDir, type ContainerPaths } from "./paths.js";
import type { ContainerRecord } from "./record.js";

const MAX_ETC_FILE = 8 << 20;

export interface ExecOptions { args: string[]; env: string[]; user?: string; workdir?: string; privileged: boolean; tty: boolean }

/** The exec'd process: the container's process with the user's command, env, user and cwd. Pure. */
export function execProcess(base: Process, o: ExecOptions, user?: { uid: number; gid: number; additionalGids: number[] }): Process {
  if (o.args.length === 0) throw new SkiffError("INVALID_ARGUMENT", "exec needs a command");
  if (o.workdir !== undefined && !o.workdir.startsWith("/")) throw new SkiffError("INVALID_ARGUMENT", `working directory "${o.workdir}" is not absolute`);
  const caps = o.privileged ? [...ALL_CAPS] : base.capabilities?.bounding ?? [...DEFAULT_CAPS];
  return {
    ...base,
    terminal: o.tty,
    args: o.args,
    env: mergeEnv(base.env, o.env),
    cwd: o.workdir ?? base.cwd,
    user: user ?? base.user,
    capabilities: { bounding: caps, effective: caps, permitted: caps },
  };
}

/** Reads the container's current spec and resolves -u inside its rootfs. */
export function execProcessFor(p: ContainerPaths, rec: ContainerRecord, o: ExecOptions): Process {
  let spec: Spec;
  try {
    spec = JSON.parse(readFileSync(join(bundleDir(p, rec.id), "config.json"), "utf8")) as Spec;
  } catch {
    throw new SkiffError("FAILED_PRECONDITION", `container ${rec.name} is not running`);
  }
  const rootfs = rootfsDir(p, rec);
  // not bundle.ts's reader: a shim running health probes must not load the whole bundle machinery
  const user = o.user === undefined ? undefined : resolveUser(o.user, readFileIn(rootfs, "/etc/passwd", MAX_ETC_FILE), readFileIn(rootfs, "/etc/group", MAX_ETC_FILE));
  return execProcess(spec.process, o, user);
}
