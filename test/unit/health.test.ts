/** The health-check decisions: flags merged with the image's HEALTHCHECK, the state machine, the schedule. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { afterProbe, afterStartupLog, afterStartupProbe, durationMs, healthConfigOf, nextProbeIn, probeArgs, startingHealth, testOf, type HealthConfig } from "../../src/container/health.js";

const cfg: HealthConfig = { test: ["CMD-SHELL", "true"], intervalMs: 1000, timeoutMs: 2000, startPeriodMs: 5000, startIntervalMs: 200, retries: 2, onFailure: "none" };
const at = (ms: number) => new Date(1_700_000_000_000 + ms);
const probe = (startMs: number, exitCode: number, extra = {}) => ({ start: at(startMs), end: at(startMs + 10), exitCode, output: "out", ...extra });

describe("health checks", () => {
  it("reads --health-cmd as podman: a JSON array runs directly, a string in the shell, none disables", () => {
    assert.deepEqual(testOf("curl -f http://x"), ["CMD-SHELL", "curl -f http://x"]);
    assert.deepEqual(testOf('["curl", "-f"]'), ["CMD", "curl", "-f"]);
    assert.deepEqual(testOf('["single"]'), ["CMD-SHELL", "single"]);
    assert.deepEqual(testOf("none"), ["NONE"]);
    assert.throws(() => testOf("[oops"), /not a JSON array/);
  });

  it("merges with the image's: --health-cmd brings the defaults, timing flags alone change the image's check", () => {
    const image = { Test: ["CMD", "probe"], Interval: 5e9, Timeout: 3e9, Retries: 7 };
    assert.deepEqual(healthConfigOf(image, {}), { test: ["CMD", "probe"], intervalMs: 5000, timeoutMs: 3000, startPeriodMs: 0, startIntervalMs: 5000, retries: 7, onFailure: "none" });
    assert.equal(healthConfigOf(image, { cmd: "true" })!.intervalMs, 30_000);
    assert.equal(healthConfigOf(image, { interval: "2s" })!.intervalMs, 2000);
    assert.equal(healthConfigOf(image, { none: true }), undefined);
    assert.equal(healthConfigOf({ Test: ["NONE"] }, {}), undefined);
    assert.equal(healthConfigOf(undefined, { interval: "1s" }), undefined, "timings without a check are no check");
    assert.equal(healthConfigOf(undefined, { cmd: "true", interval: "disable" })!.intervalMs, 0);
    assert.throws(() => healthConfigOf(undefined, { cmd: "true", retries: 0 }), /greater than 0/);
    assert.throws(() => healthConfigOf(undefined, { cmd: "true", timeout: "500ms" }), /at least 1 second/);
    assert.throws(() => healthConfigOf(undefined, { cmd: "true", onFailure: "explode" }), /--health-on-failure/);
    assert.throws(() => durationMs("5 minutes", "--health-interval"), /expected a duration/);
    assert.equal(durationMs("1m30s", "--health-interval"), 90_000);
  });

  it("goes starting → healthy on a success, → unhealthy after `retries` failures in a row, back on a success", () => {
    let s = startingHealth();
    s = afterProbe(s, probe(6000, 1), cfg, at(0));
    assert.deepEqual([s.Status, s.FailingStreak], ["starting", 1]);
    s = afterProbe(s, probe(7000, 1), cfg, at(0));
    assert.deepEqual([s.Status, s.FailingStreak], ["unhealthy", 2]);
    s = afterProbe(s, probe(8000, 0), cfg, at(0));
    assert.deepEqual([s.Status, s.FailingStreak], ["healthy", 0]);
    assert.deepEqual(s.Log.map((l) => l.ExitCode), [1, 1, 0]);
  });

  it("does not count failures in the start period; a timeout is -1 with podman's words; keeps five results, 500 characters", () => {
    let s = afterProbe(startingHealth(), probe(1000, 1), cfg, at(0));
    assert.deepEqual([s.Status, s.FailingStreak, s.Log.length], ["starting", 0, 1]);
    s = afterProbe(s, probe(9000, 137, { timedOut: true }), cfg, at(0));
    assert.deepEqual([s.Log.at(-1)!.ExitCode, s.Log.at(-1)!.Output], [-1, "Health check exceeded timeout (2s)"]);
    for (let i = 0; i < 10; i++) s = afterProbe(s, { ...probe(10_000 + i, 0), output: "x".repeat(900) }, cfg, at(0));
    assert.equal(s.Log.length, 5);
    assert.equal(s.Log[0].Output.length, 500);
    // as podman 4.3.1 (tried): one final newline dropped before the cut, inner ones kept
    const out = (output: string) => afterProbe(startingHealth(), { ...probe(1, 0), output }, cfg, at(0)).Log[0].Output;
    assert.deepEqual([out("nope\n"), out("\n  a  \n\n"), out("a\nb"), out(`${"a".repeat(499)}\n\n`).length], ["nope", "\n  a  \n", "a\nb", 500]);
    assert.equal(afterProbe(startingHealth(), probe(1, 5), cfg, at(0)).Log[0].ExitCode, 1, "any failure is 1");
  });

  it("schedules the start interval while starting in the start period, the interval otherwise, nothing when disabled", () => {
    assert.equal(nextProbeIn(startingHealth(), cfg, 100), 200);
    assert.equal(nextProbeIn(startingHealth(), cfg, 6000), 1000);
    assert.equal(nextProbeIn({ Status: "healthy", FailingStreak: 0, Log: [] }, cfg, 100), 1000);
    assert.equal(nextProbeIn(startingHealth(), { ...cfg, intervalMs: 0 }, 0), undefined);
    assert.deepEqual(probeArgs(["CMD-SHELL", "a b"]), ["/bin/sh", "-c", "a b"]);
    assert.deepEqual(probeArgs(["CMD", "a", "b"]), ["a", "b"]);
  });

  it("takes a startup check only with a regular one, with podman's defaults and bounds", () => {
    const c = healthConfigOf(undefined, { cmd: "true", startupCmd: '["probe", "-s"]' })!;
    assert.deepEqual(c.startup, { test: ["CMD", "probe", "-s"], intervalMs: 30_000, timeoutMs: 30_000, retries: 0, successes: 0 });
    assert.throws(() => healthConfigOf(undefined, { startupCmd: "true" }), /cannot set a startup healthcheck when there is no regular healthcheck/);
    assert.throws(() => healthConfigOf({ Test: ["CMD", "x"] }, { none: true, startupCmd: "true" }), /no regular healthcheck/);
    assert.throws(() => healthConfigOf(undefined, { cmd: "true", startupCmd: "none" }), /needs a command/);
    assert.throws(() => healthConfigOf(undefined, { cmd: "true", startupCmd: "x", startupTimeout: "10ms" }), /at least 1 second/);
    assert.throws(() => healthConfigOf(undefined, { cmd: "true", startupCmd: "x", startupInterval: "0" }), /needs an interval/);
    assert.throws(() => healthConfigOf(undefined, { cmd: "true", startupCmd: "x", startupRetries: -1 }), /--health-startup-retries/);
    assert.equal(healthConfigOf(undefined, { cmd: "true", startupInterval: "1s" })!.startup, undefined, "startup timings without its command are ignored");
  });

  it("passes a startup check after its successes, restarts after its retries, and never changes the status", () => {
    const s = { test: ["CMD", "x"], intervalMs: 1, timeoutMs: 1000, retries: 2, successes: 3 };
    let c = { successes: 0, failures: 0 };
    const steps = [true, false, true, true].map((ok) => { const r = afterStartupProbe(c, ok, s); c = r.counts; return [r.passed, r.restart]; });
    assert.deepEqual(steps, [[false, false], [false, false], [false, false], [true, false]]);
    assert.deepEqual(afterStartupProbe({ successes: 0, failures: 1 }, false, s), { counts: { successes: 0, failures: 2 }, passed: false, restart: true });
    assert.equal(afterStartupProbe({ successes: 0, failures: 99 }, false, { ...s, retries: 0 }).restart, false, "0 retries: never restarted");
    assert.equal(afterStartupProbe({ successes: 0, failures: 0 }, true, { ...s, successes: 0 }).passed, true, "0 successes: the first passes");
    const logged = afterStartupLog(startingHealth(), probe(0, 1), 1000);
    assert.deepEqual([logged.Status, logged.FailingStreak, logged.Log.map((l) => l.ExitCode)], ["starting", 0, [1]]);
  });
});
