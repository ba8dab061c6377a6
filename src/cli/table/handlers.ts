/**
 * Where each command's code is: the table names a module and an export (data, so the table can be
 * compiled to a literal, see compiled.ts), and only the module of the command being run is loaded.
 */
import type { CommandSpec, Handler } from "./types.js";

/** Every command module, imported by name (mutable: a test swaps one in). */
export const COMMAND_MODULES: Record<string, () => Promise<Record<string, unknown>>> = {
  "auto-update": () => import("../commands/auto-update.js"),
  build: () => import("../commands/build.js"),
  commit: () => import("../commands/commit.js"),
  completion: () => import("../commands/completion.js"),
  events: () => import("../commands/events.js"),
  exec: () => import("../commands/exec.js"),
  files: () => import("../commands/files.js"),
  health: () => import("../commands/health.js"),
  help: () => import("../commands/help.js"),
  history: () => import("../commands/history.js"),
  "image-mount": () => import("../commands/image-mount.js"),
  images: () => import("../commands/images.js"),
  import: () => import("../commands/import.js"),
  info: () => import("../commands/info.js"),
  login: () => import("../commands/login.js"),
  logs: () => import("../commands/logs.js"),
  manage: () => import("../commands/manage.js"),
  manifest: () => import("../commands/manifest.js"),
  networks: () => import("../commands/networks.js"),
  observe: () => import("../commands/observe.js"),
  ps: () => import("../commands/ps.js"),
  pull: () => import("../commands/pull.js"),
  push: () => import("../commands/push.js"),
  rmi: () => import("../commands/rmi.js"),
  rootless: () => import("../commands/rootless.js"),
  run: () => import("../commands/run.js"),
  "save-load": () => import("../commands/save-load.js"),
  "system-df": () => import("../commands/system-df.js"),
  "system-prune": () => import("../commands/system-prune.js"),
  systemd: () => import("../commands/systemd.js"),
  version: () => import("../commands/version.js"),
  volumes: () => import("../commands/volumes.js"),
};

export async function loadHandler(c: CommandSpec): Promise<Handler | undefined> {
  if (!c.handler) return undefined;
  const [module, name] = c.handler;
  const load = COMMAND_MODULES[module];
  return load ? ((await load())[name] as Handler | undefined) : undefined;
}
