/** Where skiff keeps durable state (--root) and runtime state (--runroot), rootful and rootless. */
import { join } from "node:path";
import { builtin } from "../util/builtin.js";

/** $HOME, or the password database's when unset (node:os, loaded only then: ~1 ms in Bun). */
export function homeDir(env: NodeJS.ProcessEnv): string {
  if (env.HOME) return env.HOME;
  return builtin<typeof import("node:os")>("node:os").homedir();
}

export interface StorePaths {
  root: string;
  runroot: string;
}

/** Precedence: flag, then SKIFF_ROOT/SKIFF_RUNROOT, then the config file, then the default. */
export function resolvePaths(
  flags: { root?: string; runroot?: string },
  config: { root?: string; runroot?: string },
  env: NodeJS.ProcessEnv,
  uid: number,
): StorePaths {
  const rootless = uid !== 0;
  const home = homeDir(env);
  const defaultRoot = rootless ? join(env.XDG_DATA_HOME || join(home, ".local", "share"), "skiff") : "/var/lib/skiff";
  const defaultRunroot = rootless ? (env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "skiff") : `/tmp/skiff-run-${uid}`) : "/run/skiff";
  return {
    root: flags.root || env.SKIFF_ROOT || config.root || defaultRoot,
    runroot: flags.runroot || env.SKIFF_RUNROOT || config.runroot || defaultRunroot,
  };
}
