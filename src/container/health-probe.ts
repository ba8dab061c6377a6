/**
 * One health probe: the check's command run by `runc exec` in the running container (its env,
 * user and cwd; no terminal, stdin closed), stdout and stderr together in a bounded buffer, killed
 * with SIGKILL (the process in the container, by the pid runc wrote, and the runc client) when it
 * outlives the timeout. The result goes into the container's health state (healthcheck.json),
 * under a lock, so the shim's scheduled probes and `healthcheck run` never race.
 */
import { rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../errors.js";
import { randomHex } from "../util/crypto.js";
import { writeFileAtomic } from "../util/atomic.js";
import { keptLock, withLock, type KeptLock } from "../util/lock.js";
import { execArgs } from "../runtime/runc.js";
import { runProbe, type ProbeArgv } from "./probe-run.js";
import { execProcessFor } from "./exec.js";
import { afterProbe, afterStartupLog, MAX_OUTPUT, probeArgs, type HealthConfig, type HealthState, type ProbeResult } from "./health.js";
import { healthLock, readHealth, writeHealth } from "./health-state.js";
import { bundleDir, type ContainerPaths } from "./paths.js";
import type { ContainerRecord } from "./record.js";
import { runtimeOf } from "./runtime.js";

/**
 * What a probe runs, made once: the container's process does not change while it runs, so the
 * shim's loop writes the process file once and reuses it (a probe that builds it each time reads
 * and parses config.json, stringifies and writes a file: a third of the shim's CPU per check).
 */
export interface PreparedProbe { argv: ProbeArgv; pidFile: string; lock: KeptLock; dispose(): void }

export function prepareProbe(p: ContainerPaths, rec: ContainerRecord, test: HealthConfig["test"], shell?: string[]): PreparedProbe {
  const dir = bundleDir(p, rec.id);
  const tag = randomHex(6);
  const processFile = join(dir, `health-${tag}.json`), pidFile = join(dir, `health-${tag}.pid`);
  writeFileAtomic(processFile, JSON.stringify(execProcessFor(p, rec, { args: probeArgs(test, shell), env: [], privileged: false, tty: false })), 0o600, false);
  const rt = runtimeOf(p, rec);
  const lock = keptLock(healthLock(p, rec.id));
  return {
    // no log of the runtime's: it prints its error on stderr as well, which is the probe's output
    // (a log was a file to create and remove each probe)
    argv: (detach) => [rt.path, ...execArgs(rt, "/dev/null", rec.id, processFile, { detach, tty: false, pidFile })],
    pidFile,
    lock,
    dispose: () => {
      lock.close();
      for (const f of [processFile, pidFile]) rmSync(f, { force: true });
    },
  };
}

/** unlink(2) alone, once a probe: rmSync stats the path first */
function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw err;
  }
}

/** One probe in the running container `rec`, with its own prepared process or `prepared`. */
export async function probe(p: ContainerPaths, rec: ContainerRecord, cfg: HealthConfig, shell?: string[], prepared?: PreparedProbe): Promise<ProbeResult> {
  const start = new Date();
  let own: PreparedProbe | undefined;
  try {
    const run = prepared ?? (own = prepareProbe(p, rec, cfg.test, shell));
    const r = await runProbe(run.argv, cfg.timeoutMs, run.pidFile, MAX_OUTPUT * 4);
    return { start, end: new Date(), exitCode: r.code, output: r.output, timedOut: r.timedOut };
  } catch (err) {
    return { start, end: new Date(), exitCode: 125, output: err instanceof Error ? err.message : String(err) };
  } finally {
    // the pid file goes before the next probe (a stale one would name a recycled pid to kill)
    if (prepared) removeIfThere(prepared.pidFile);
    own?.dispose();
  }
}

/**
 * A probe and its result recorded, one at a time per container; returns the new state, whether
 * the probe passed and the status before it. `startup`: the startup check's probe instead of the regular one.
 */
export async function probeAndRecord(p: ContainerPaths, rec: ContainerRecord, cfg: HealthConfig, startedAt: Date, o: { shell?: string[]; startup?: boolean; prepared?: PreparedProbe } = {}): Promise<HealthState & { passed: boolean; before: HealthState["Status"] }> {
  const s = o.startup ? cfg.startup : undefined;
  const probeCfg = s ? { ...cfg, test: s.test, timeoutMs: s.timeoutMs } : cfg;
  const opts = { what: `the health check of ${rec.name}`, timeoutMs: probeCfg.timeoutMs + 60_000 };
  const locked = <T>(fn: () => Promise<T>) => (o.prepared ? o.prepared.lock.with(opts, fn) : withLock(healthLock(p, rec.id), opts, fn));
  return locked(async () => {
    const result = await probe(p, rec, probeCfg, o.shell, o.prepared);
    const before = readHealth(p, rec.id) ?? { Status: "starting" as const, FailingStreak: 0, Log: [] };
    const next = s ? afterStartupLog(before, result, s.timeoutMs) : afterProbe(before, result, cfg, startedAt);
    writeHealth(p, rec.id, next);
    return { ...next, passed: result.exitCode === 0 && !result.timedOut, before: before.Status };
  });
}

export async function resetHealth(p: ContainerPaths, id: string, start: (prev?: HealthState) => HealthState): Promise<void> {
  await withLock(healthLock(p, id), { what: "the health check" }, () => writeHealth(p, id, start(readHealth(p, id))));
}
