/**
 * Health checks, decided and kept: the check a container gets (the image's HEALTHCHECK merged with
 * the --health-* flags, as podman merges them), the command a probe runs, the state machine
 * (starting → healthy/unhealthy, the failing streak, the start period, the last five results) and
 * when the next probe is due. Docker's schedule: the first probe one interval after the start
 * (the start interval while starting within the start period), the next one interval after the
 * end of the last. Pure.
 */
import { SkiffError } from "../errors.js";
import type { Healthcheck } from "../image/manifest.js";
import { GO_DURATION, parseDuration } from "./policy.js";

export type OnFailure = "none" | "kill" | "restart" | "stop";

export interface HealthConfig {
  /** ["CMD", arg…] or ["CMD-SHELL", "cmd"]. */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
  onFailure: OnFailure;
  /** podman's startup check: runs first, until it passes; the regular check begins then. */
  startup?: StartupConfig;
}

export interface StartupConfig {
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  /** Failures (not necessarily in a row) after which the container is restarted; 0: never. */
  retries: number;
  /** Successes the check needs to pass; 0: the first one. */
  successes: number;
}

export type HealthStatus = "starting" | "healthy" | "unhealthy";
export interface HealthLog { Start: string; End: string; ExitCode: number; Output: string }
export interface HealthState { Status: HealthStatus; FailingStreak: number; Log: HealthLog[] }

export const DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, startIntervalMs: 5_000, retries: 3 };
/** podman keeps this much of a probe's output, and this many results. */
export const MAX_OUTPUT = 500;
export const MAX_LOG = 5;

export interface HealthFlags {
  cmd?: string;
  interval?: string;
  timeout?: string;
  retries?: number;
  startPeriod?: string;
  startInterval?: string;
  onFailure?: string;
  none?: boolean;
  startupCmd?: string;
  startupInterval?: string;
  startupTimeout?: string;
  startupRetries?: number;
  startupSuccess?: number;
}

/** A Go duration ("30s", "1m30s", "500ms") in ms; "disable" (interval only) is 0. */
export function durationMs(text: string, flag: string): number {
  if (text === "disable" && flag === "--health-interval") return 0;
  if (text === "0" && flag === "--health-startup-interval") throw new SkiffError("INVALID_ARGUMENT", `invalid ${flag} "${text}": a startup check needs an interval`);
  if (text === "0") return 0;
  // units required (a bare number is no duration here), then the shared arithmetic
  if (!GO_DURATION.test(text)) throw new SkiffError("INVALID_ARGUMENT", `invalid ${flag} "${text}": expected a duration such as 30s`);
  return Math.round(parseDuration(text, flag));
}

/** --health-cmd: a JSON array is CMD (one element: CMD-SHELL), anything else CMD-SHELL; "none" disables. */
export function testOf(cmd: string, flag = "--health-cmd"): string[] {
  const t = cmd.trim();
  if (t.toLowerCase() === "none") return ["NONE"];
  if (t.startsWith("[")) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      throw new SkiffError("INVALID_ARGUMENT", `invalid ${flag} ${cmd}: not a JSON array`);
    }
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== "string")) throw new SkiffError("INVALID_ARGUMENT", `invalid ${flag} ${cmd}: expected a JSON array of strings`);
    const list = v as string[];
    if (list[0] === "CMD" || list[0] === "CMD-SHELL" || list[0] === "NONE") return list;
    return list.length === 1 ? ["CMD-SHELL", list[0]] : ["CMD", ...list];
  }
  return ["CMD-SHELL", t];
}

const ms = (ns: number | undefined) => (ns ? Math.round(ns / 1e6) : 0);

/** The check the container gets, or none. With --health-cmd the timings are the flags' (or the defaults). */
export function healthConfigOf(image: Healthcheck | undefined, f: HealthFlags): HealthConfig | undefined {
  if (f.none) {
    if (f.startupCmd !== undefined) throw new SkiffError("INVALID_ARGUMENT", "cannot set a startup healthcheck when there is no regular healthcheck");
    return undefined;
  }
  const onFailure = (f.onFailure ?? "none") as OnFailure;
  if (!["none", "kill", "restart", "stop"].includes(onFailure)) throw new SkiffError("INVALID_ARGUMENT", `invalid --health-on-failure "${f.onFailure}": expected none, kill, restart or stop`);
  const fromCli = f.cmd !== undefined;
  const test = fromCli ? testOf(f.cmd!) : image?.Test;
  if (!test || test.length === 0 || test[0] === "NONE") {
    if (f.startupCmd !== undefined) throw new SkiffError("INVALID_ARGUMENT", "cannot set a startup healthcheck when there is no regular healthcheck");
    return undefined;
  }
  if (test[0] !== "CMD" && test[0] !== "CMD-SHELL") throw new SkiffError("INVALID_ARGUMENT", `health check "${test[0]}": expected CMD or CMD-SHELL`);
  const base = fromCli ? DEFAULTS : {
    intervalMs: ms(image?.Interval) || DEFAULTS.intervalMs, timeoutMs: ms(image?.Timeout) || DEFAULTS.timeoutMs,
    startPeriodMs: ms(image?.StartPeriod), startIntervalMs: ms(image?.StartInterval) || DEFAULTS.startIntervalMs, retries: image?.Retries || DEFAULTS.retries,
  };
  const cfg: HealthConfig = {
    test,
    intervalMs: f.interval !== undefined ? durationMs(f.interval, "--health-interval") : base.intervalMs,
    timeoutMs: f.timeout !== undefined ? durationMs(f.timeout, "--health-timeout") : base.timeoutMs,
    startPeriodMs: f.startPeriod !== undefined ? durationMs(f.startPeriod, "--health-start-period") : base.startPeriodMs,
    startIntervalMs: f.startInterval !== undefined ? durationMs(f.startInterval, "--health-start-interval") : base.startIntervalMs,
    retries: f.retries ?? base.retries,
    onFailure,
    ...(f.startupCmd !== undefined ? { startup: startupConfigOf(f) } : {}),
  };
  if (cfg.timeoutMs < 1000) throw new SkiffError("INVALID_ARGUMENT", "healthcheck-timeout must be at least 1 second");
  if (!Number.isInteger(cfg.retries) || cfg.retries < 1) throw new SkiffError("INVALID_ARGUMENT", "healthcheck-retries must be greater than 0");
  return cfg;
}

/** The startup check of the --health-startup-* flags (podman's defaults: 30s, 30s, never restart, one success). */
function startupConfigOf(f: HealthFlags): StartupConfig {
  const test = testOf(f.startupCmd!, "--health-startup-cmd");
  if (test[0] === "NONE") throw new SkiffError("INVALID_ARGUMENT", "invalid --health-startup-cmd none: a startup check needs a command");
  if (test[0] !== "CMD" && test[0] !== "CMD-SHELL") throw new SkiffError("INVALID_ARGUMENT", `startup health check "${test[0]}": expected CMD or CMD-SHELL`);
  const cfg: StartupConfig = {
    test,
    intervalMs: f.startupInterval !== undefined ? durationMs(f.startupInterval, "--health-startup-interval") : DEFAULTS.intervalMs,
    timeoutMs: f.startupTimeout !== undefined ? durationMs(f.startupTimeout, "--health-startup-timeout") : DEFAULTS.timeoutMs,
    retries: f.startupRetries ?? 0,
    successes: f.startupSuccess ?? 0,
  };
  if (cfg.timeoutMs < 1000) throw new SkiffError("INVALID_ARGUMENT", "healthcheck-startup-timeout must be at least 1 second");
  for (const [flag, v] of [["--health-startup-retries", cfg.retries], ["--health-startup-success", cfg.successes]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new SkiffError("INVALID_ARGUMENT", `invalid ${flag} ${v}: expected a whole number, 0 or more`);
  }
  return cfg;
}

export interface StartupCounts { successes: number; failures: number }

/**
 * After a startup probe (podman's counters): a success counts toward passing (0 needed: the first
 * passes), a failure toward a restart (0 retries: never). The counts start again after a restart.
 */
export function afterStartupProbe(c: StartupCounts, ok: boolean, s: StartupConfig): { counts: StartupCounts; passed: boolean; restart: boolean } {
  const counts = ok ? { ...c, successes: c.successes + 1 } : { ...c, failures: c.failures + 1 };
  return { counts, passed: ok && counts.successes >= Math.max(1, s.successes), restart: !ok && s.retries > 0 && counts.failures >= s.retries };
}

/** The state after a startup probe: its result is kept in the log; the status stays as it is (starting). */
export function afterStartupLog(s: HealthState, r: ProbeResult, timeoutMs: number): HealthState {
  return { ...s, Log: [...s.Log, logEntry(r, timeoutMs)].slice(-MAX_LOG) };
}

function logEntry(r: ProbeResult, timeoutMs: number): HealthLog {
  // podman's log: 0 healthy, any failure 1, a timeout -1
  const code = r.timedOut ? -1 : r.exitCode === 0 ? 0 : 1;
  // podman drops one final newline, then keeps the first MAX_OUTPUT characters
  const output = r.timedOut ? `Health check exceeded timeout (${Math.round(timeoutMs / 1000)}s)` : r.output.replace(/\n$/, "").slice(0, MAX_OUTPUT);
  return { Start: r.start.toISOString(), End: r.end.toISOString(), ExitCode: code, Output: output };
}

/** What a probe runs: CMD as it is, CMD-SHELL through /bin/sh -c (or the image's SHELL). */
export function probeArgs(test: string[], shell: string[] = ["/bin/sh", "-c"]): string[] {
  return test[0] === "CMD-SHELL" ? [...shell, test.slice(1).join(" ")] : test.slice(1);
}

/** At every (re)start: starting, no failures yet; the results so far are kept. */
export function startingHealth(prev?: HealthState): HealthState {
  return { Status: "starting", FailingStreak: 0, Log: prev?.Log ?? [] };
}

export interface ProbeResult { start: Date; end: Date; exitCode: number; output: string; timedOut?: boolean }

/** The state after a probe; `startedAt` is when the container (re)started. */
export function afterProbe(s: HealthState, r: ProbeResult, cfg: HealthConfig, startedAt: Date): HealthState {
  const entry = logEntry(r, cfg.timeoutMs);
  const Log = [...s.Log, entry].slice(-MAX_LOG);
  if (entry.ExitCode === 0) return { Status: "healthy", FailingStreak: 0, Log };
  // failures in the start period do not count
  if (r.start.getTime() - startedAt.getTime() < cfg.startPeriodMs) return { ...s, Log };
  const FailingStreak = s.FailingStreak + 1;
  return { Status: FailingStreak >= cfg.retries ? "unhealthy" : s.Status, FailingStreak, Log };
}

/** Milliseconds from now (the end of the last probe, or the start) to the next probe; undefined: none (interval disabled). */
export function nextProbeIn(s: HealthState, cfg: HealthConfig, sinceStartMs: number): number | undefined {
  if (cfg.intervalMs === 0) return undefined;
  if (s.Status === "starting" && sinceStartMs < cfg.startPeriodMs) return Math.min(cfg.startIntervalMs, cfg.intervalMs);
  return cfg.intervalMs;
}

/** ps's words: "Up 5 minutes (healthy)". */
export function psHealthSuffix(s: HealthState | undefined): string {
  return s ? ` (${s.Status})` : "";
}
