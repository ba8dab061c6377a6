/**
 * The shim's health-check loop: it lives as long as the container, so the checks need no daemon,
 * no systemd timer and no cron line (podman's checks never run without systemd). One probe at a
 * time, each scheduled from the end of the last (health.ts), none while the container is paused;
 * on the turn to unhealthy the --health-on-failure action is taken by the shim itself. A startup
 * check (--health-startup-cmd) runs first on its own interval until it passes, and restarts the
 * container after its retries; its counts live here, so a restart starts them again.
 */
import { containerEvent } from "../events/log.js";
import type { ContainerPaths } from "../container/paths.js";
import type { ContainerRecord } from "../container/record.js";
import type { HealthConfig, OnFailure } from "../container/health.js";
import { readState } from "../container/store.js";
import { secondDropIn } from "../sys/code-pages.js";
import type { Sys } from "../sys/types.js";
import type { PreparedProbe } from "../container/health-probe.js";

export interface HealthLoop { stop(): void }

/**
 * Reaps the zombies a probe left with the shim: as child subreaper (created.ts) the shim adopts
 * runc's intermediate processes and a killed probe's processes, and a zombie of the container's
 * PID namespace keeps the namespace (and so the container's exit) from finishing. Never the
 * container's init, whose status the shim waits for: found first, it ends the round (the container
 * is ending, and the shim with it). Bounded: a probe leaves a handful.
 */
export function reapOrphans(sys: Sys | undefined, initPid: number | undefined): void {
  if (!sys?.supports.reap || !sys.isChildSubreaper()) return;
  for (let i = 0; i < MAX_REAPED; i++) {
    const pid = sys.exitedChildPid();
    if (pid === undefined || pid === initPid) return;
    sys.waitExited(pid);
  }
}
const MAX_REAPED = 64;

/** Starts checking `rec` (started at `startedAt`); `act` carries out the on-failure action. */
export function startHealthLoop(p: ContainerPaths, rec: ContainerRecord, cfg: HealthConfig, startedAt: Date, act: (a: Exclude<OnFailure, "none">) => void, sys?: Sys): HealthLoop {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let secondDrop: ReturnType<typeof setTimeout> | undefined;
  let startup = cfg.startup ? { successes: 0, failures: 0 } : undefined;
  // each check's process, written once for the loop (the regular one and the startup one)
  const prepared = new Map<"regular" | "startup", PreparedProbe>();
  // loaded only for a container that has a check: every module costs every container memory
  const modules = Promise.all([import("../container/health.js"), import("../container/health-probe.js"), import("../container/health-state.js")]);
  const schedule = async (status: { Status: "starting" | "healthy" | "unhealthy" } & object) => {
    const [{ nextProbeIn }] = await modules;
    const delay = startup ? cfg.startup!.intervalMs : nextProbeIn(status as never, cfg, Date.now() - startedAt.getTime());
    if (stopped || delay === undefined) return;
    // the code this probe ran goes back till the next (sys/code-pages.ts): kept, it was 2.1 MB of
    // PSS per container with a check every second; dropped, ~1 ms of page faults per check
    // (measured); and once more after the collection the probe brought on, when the next is far
    if (sys) {
      sys.dropCodePages();
      const again = secondDropIn(delay);
      if (again !== undefined) (secondDrop = setTimeout(() => sys.dropCodePages(), again)).unref?.();
    }
    timer = setTimeout(() => void tick(), delay);
  };
  const tick = async () => {
    if (stopped) return;
    const [health, probes, stored] = await modules;
    const state = readState(p, rec.id);
    // a paused container is not checked (its probe could only hang), nor counted against
    if (state.status === "paused") return schedule(stored.readHealth(p, rec.id) ?? health.startingHealth());
    const kind = startup ? "startup" : "regular";
    let run = prepared.get(kind);
    try {
      if (!run) prepared.set(kind, (run = probes.prepareProbe(p, rec, startup ? cfg.startup!.test : cfg.test)));
    } catch { /* the probe itself reports why it cannot run */ }
    const after = await probes.probeAndRecord(p, rec, cfg, startedAt, { startup: startup !== undefined, prepared: run });
    reapOrphans(sys, state.pid);
    if (stopped) return;
    if (startup) {
      const r = health.afterStartupProbe(startup, after.passed, cfg.startup!);
      startup = r.passed ? undefined : r.counts;
      if (r.restart) return act("restart");
      return schedule(after);
    }
    if (after.Status !== after.before) containerEvent(p.root, rec, "health_status", { HealthStatus: after.Status, Attributes: { health_status: after.Status } });
    if (after.before !== "unhealthy" && after.Status === "unhealthy" && cfg.onFailure !== "none") act(cfg.onFailure);
    return schedule(after);
  };
  void modules.then(async ([health, probes]) => {
    await probes.resetHealth(p, rec.id, health.startingHealth);
    await schedule(health.startingHealth());
  });
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(secondDrop);
      for (const run of prepared.values()) run.dispose();
    },
  };
}
