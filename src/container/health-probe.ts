/**
 * One health probe: the check's command run by `runc exec` in the running container (its env,
 * user and cwd; no terminal, stdin closed), stdout and stderr together in a bounded buffer, killed
 * with SIGKILL (the process in the container, by the pid runc wrote, and the runc client) when it
 * outlives the timeout. The result goes into the container's health state (healthcheck.json),
 * under a lock, so the shim's scheduled probes and `healthcheck run` never race.
 */
import { readFileSync, rmSync } from "node:fs";
import { processTable } from "./liveness.js";
import { join } from "node:path";
import { randomHex } from "../util/crypto.js";
import { writeFileAtomic } from "../util/atomic.js";
import { withLock } from "../util/lock.js";
import { execArgs } from "../runtime/runc.js";
import { bunSpawn, pump } from "../shim/child.js";
import { execProcessFor } from "./exec.js";
import { afterProbe, afterStartupLog, MAX_OUTPUT, probeArgs, type HealthConfig, type HealthState, type ProbeResult } from "./health.js";
import { healthLock, readHealth, writeHealth } from "./health-state.js";
import { bundleDir, type ContainerPaths } from "./paths.js";
import type { ContainerRecord } from "./record.js";
import { runtimeOf } from "./runtime.js";

/** The processes below `pid` (from /proc's parent links). */
function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const { pid: child, ppid } of processTable()) children.set(ppid, [...(children.get(ppid) ?? []), child]);
  const out: number[] = [];
  const walk = (p: number) => { for (const c of children.get(p) ?? []) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

/** Runs `argv`; its output (stdout then stderr, bounded) and status; SIGKILLs it and `pidFile`'s process after `timeoutMs`. */
async function runBounded(argv: string[], timeoutMs: number, pidFile: string): Promise<{ code: number; output: string; timedOut: boolean }> {
  let output = "";
  const keep = (b: Buffer) => { if (output.length < MAX_OUTPUT * 4) output += b.toString("utf8"); };
  let timedOut = false;
  // the probe's process and everything it started (a shell's children would outlive it)
  const killInside = () => {
    let pid: number;
    try {
      pid = Number(readFileSync(pidFile, "utf8"));
    } catch {
      return; // not started
    }
    for (const victim of [pid, ...descendantsOf(pid)]) {
      try {
        process.kill(victim, "SIGKILL");
      } catch { /* gone */ }
    }
  };
  const spawnBun = bunSpawn();
  if (spawnBun) {
    const proc = spawnBun(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => { timedOut = true; killInside(); proc.kill("SIGKILL"); }, timeoutMs);
    const [code] = await Promise.all([proc.exited, pump(proc.stdout, keep), pump(proc.stderr, keep)]);
    clearTimeout(timer);
    return { code, output, timedOut };
  }
  const { spawn } = await import("node:child_process");
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => { timedOut = true; killInside(); child.kill("SIGKILL"); }, timeoutMs);
    child.on("error", () => { clearTimeout(timer); resolve({ code: 125, output: "cannot run the OCI runtime", timedOut }); });
    child.on("close", (code) => { clearTimeout(timer); resolve({ code: code ?? 1, output, timedOut }); });
  });
}

/**
 * What a probe runs, made once: the container's process does not change while it runs, so the
 * shim's loop writes the process file once and reuses it (a probe that builds it each time reads
 * and parses config.json, stringifies and writes a file: a third of the shim's CPU per check).
 */
export interface PreparedProbe { argv: string[]; pidFile: string; logFile: string; dispose(): void }

export function prepareProbe(p: ContainerPaths, rec: ContainerRecord, test: HealthConfig["test"], shell?: string[]): PreparedProbe {
  const dir = bundleDir(p, rec.id);
  const tag = randomHex(6);
  const processFile = join(dir, `health-${tag}.json`), pidFile = join(dir, `health-${tag}.pid`), logFile = join(dir, `health-${tag}.log`);
  writeFileAtomic(processFile, JSON.stringify(execProcessFor(p, rec, { args: probeArgs(test, shell), env: [], privileged: false, tty: false })), 0o600, false);
  const rt = runtimeOf(p, rec);
  return {
    argv: [rt.path, ...execArgs(rt, logFile, rec.id, processFile, { detach: false, tty: false, pidFile })],
    pidFile,
    logFile,
    dispose: () => { for (const f of [processFile, pidFile, logFile]) rmSync(f, { force: true }); },
  };
}

/** One probe in the running container `rec`, with its own prepared process or `prepared`. */
export async function probe(p: ContainerPaths, rec: ContainerRecord, cfg: HealthConfig, shell?: string[], prepared?: PreparedProbe): Promise<ProbeResult> {
  const start = new Date();
  let own: PreparedProbe | undefined;
  try {
    const run = prepared ?? (own = prepareProbe(p, rec, cfg.test, shell));
    const r = await runBounded(run.argv, cfg.timeoutMs, run.pidFile);
    return { start, end: new Date(), exitCode: r.code, output: r.output, timedOut: r.timedOut };
  } catch (err) {
    return { start, end: new Date(), exitCode: 125, output: err instanceof Error ? err.message : String(err) };
  } finally {
    // the pid file goes before the next probe (a stale one would name a recycled pid to kill),
    // and so does the runtime's log (it appends, and a failing check would grow it each time)
    if (prepared) for (const f of [prepared.pidFile, prepared.logFile]) rmSync(f, { force: true });
    own?.dispose();
  }
}

/**
 * A probe and its result recorded, one at a time per container; returns the new state and whether
 * the probe passed. `startup`: the startup check's probe instead of the regular one.
 */
export async function probeAndRecord(p: ContainerPaths, rec: ContainerRecord, cfg: HealthConfig, startedAt: Date, o: { shell?: string[]; startup?: boolean; prepared?: PreparedProbe } = {}): Promise<HealthState & { passed: boolean }> {
  const s = o.startup ? cfg.startup : undefined;
  const probeCfg = s ? { ...cfg, test: s.test, timeoutMs: s.timeoutMs } : cfg;
  return withLock(healthLock(p, rec.id), { what: `the health check of ${rec.name}`, timeoutMs: probeCfg.timeoutMs + 60_000 }, async () => {
    const result = await probe(p, rec, probeCfg, o.shell, o.prepared);
    const before = readHealth(p, rec.id) ?? { Status: "starting" as const, FailingStreak: 0, Log: [] };
    const next = s ? afterStartupLog(before, result, s.timeoutMs) : afterProbe(before, result, cfg, startedAt);
    writeHealth(p, rec.id, next);
    return { ...next, passed: result.exitCode === 0 && !result.timedOut };
  });
}

export async function resetHealth(p: ContainerPaths, id: string, start: (prev?: HealthState) => HealthState): Promise<void> {
  await withLock(healthLock(p, id), { what: "the health check" }, () => writeHealth(p, id, start(readHealth(p, id))));
}
