/** Finding the OCI runtime binary (runc, crun, youki or a path) and reading its version. */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

export interface RuntimeVersion {
  version?: string;
  commit?: string;
  spec?: string;
}

/** Parses `runc --version` / `crun --version` / `youki --version` output. */
export function parseRuntimeVersion(text: string): RuntimeVersion {
  const out: RuntimeVersion = {};
  const first = /^\S+ version:? (\S+)/m.exec(text);
  if (first) out.version = first[1];
  const commit = /^commit: (\S+)/m.exec(text);
  if (commit) out.commit = commit[1];
  const spec = /^spec(?:-version)?: (\S+)/m.exec(text);
  if (spec) out.spec = spec[1];
  return out;
}

/** sbin directories are searched too: runc lives in /usr/sbin on Debian, outside many users' PATH. */
export function searchPath(env: NodeJS.ProcessEnv): string[] {
  const dirs = (env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const d of ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]) if (!dirs.includes(d)) dirs.push(d);
  return dirs;
}

function isExecutable(path: string): boolean {
  try {
    // stat first: a missing file is the common case on a PATH walk, and a failing access() throws
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of an executable by name or path, or undefined. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | undefined {
  if (name.includes("/")) return isAbsolute(name) && isExecutable(name) ? name : undefined;
  for (const d of searchPath(env)) {
    const path = join(d, name);
    if (isExecutable(path)) return path;
  }
  return undefined;
}

export async function readRuntimeVersion(path: string): Promise<RuntimeVersion> {
  // loaded on demand: node:child_process costs start-up time every command would pay
  const { execFile } = await import("node:child_process");
  return new Promise((resolve) => {
    execFile(path, ["--version"], { timeout: 5000 }, (err, stdout) => resolve(err ? {} : parseRuntimeVersion(stdout)));
  });
}
