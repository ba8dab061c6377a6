/** `healthcheck run CONTAINER`: one check now (serialized with the shim's by the health lock); podman's exit codes and words. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExitError, SkiffError, isSkiffError } from "../../errors.js";
import { observedState, signalContainer, stopContainer } from "../../container/lifecycle.js";
import { getSys } from "../../sys/index.js";
import { bundleDir } from "../../container/paths.js";
import { getRecord } from "../../container/store.js";
import type { Handler } from "../table/types.js";
import { pathsOf } from "./container-context.js";

export const run: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  let rec;
  try {
    rec = getRecord(p, args[0]);
  } catch (err) {
    if (isSkiffError(err, "NOT_FOUND")) throw new SkiffError("NOT_FOUND", `unable to look up ${args[0]} to perform a health check: ${err.message}`);
    throw err;
  }
  const cfg = rec.options.health;
  if (!cfg) throw new SkiffError("FAILED_PRECONDITION", `container ${rec.id} has no defined healthcheck`);
  const state = observedState(p, rec.id);
  if (state.status !== "running") throw new SkiffError("FAILED_PRECONDITION", `container ${rec.id} is not running`);
  const { probeAndRecord } = await import("../../container/health-probe.js");
  // the probe is reaped here as in the shim (probe-run.ts): one order of its output lines
  const sys = await getSys();
  if (sys.supports.subreaper) sys.setChildSubreaper(true);
  const after = await probeAndRecord(p, rec, cfg, new Date(state.startedAt ?? Date.now()));
  if (after.Status === "unhealthy" && after.before !== "unhealthy" && cfg.onFailure !== "none") {
    // what the shim would do on the same turn; restart: the shim starts it again when it ends
    if (cfg.onFailure === "restart") writeFileSync(join(bundleDir(p, rec.id), "health-restart"), "");
    if (cfg.onFailure === "stop") await stopContainer(p, rec, rec.options.stopTimeout);
    else await signalContainer(p, rec, "KILL", false);
  }
  if (after.Status === "healthy" || opts.ignoreResult) return;
  ctx.stdout.write(`${after.Status}\n`);
  throw new ExitError(1);
};
