/** unshare and system migrate: the rootless user namespace by hand (rootless/). */
import { spawnSync } from "node:child_process";
import { ExitError, SkiffError } from "../../errors.js";
import { livePause, pauseFile } from "../../rootless/pause.js";
import { rmSync } from "node:fs";
import type { Handler } from "../table/types.js";

/** Runs the command (the user's shell by default) here: the CLI has joined the namespace already. */
export const unshare: Handler = async ({ ctx, args, rest }) => {
  // podman's words: the namespace exists only for ordinary users
  if (!ctx.rootless) throw new SkiffError("FAILED_PRECONDITION", "please use unshare with rootless");
  const argv = args.length ? [...args, ...rest] : [ctx.env.SHELL || "/bin/sh"];
  const r = spawnSync(argv[0], argv.slice(1), { stdio: "inherit", env: ctx.env });
  if (r.error) throw new SkiffError("NOT_FOUND", `${argv[0]}: executable file not found in $PATH`, { exitCode: 127 });
  throw new ExitError(r.status ?? 128 + 9);
};

/**
 * Ends the namespace's holder (and the rootless bridges' namespace), so the next command makes
 * one with the IDs /etc/subuid and /etc/subgid give now. Running containers keep the old one
 * until they stop.
 */
export const migrate: Handler = async ({ ctx }) => {
  if (!ctx.rootless) return;
  (await import("../../network/rootless-netns.js")).stopRootlessHost(ctx.runroot);
  const pid = livePause(ctx.runroot);
  if (pid) {
    try {
      process.kill(pid, "SIGKILL");
    } catch { /* gone */ }
  }
  rmSync(pauseFile(ctx.runroot), { force: true });
};
