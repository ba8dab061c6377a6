/**
 * The headline counts, kept: bench/compat.ts runs the standard checks of server images and 100
 * everyday command lines through podman and skiff on the same input; skiff must pass every check
 * podman passes and behave the same on every line.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { REPO, requiresRoot } from "../helpers/skiff.js";
import { minbase } from "../helpers/podman.js";

describe("side by side with podman on server images and everyday command lines", { skip: process.getuid?.() !== 0 ? "needs root" : false }, () => {
  it("passes every check podman passes, and every line behaves the same", (t) => {
    if (!requiresRoot(t)) return;
    minbase();
    const r = spawnSync(process.execPath, ["--import", "tsx", join(REPO, "bench", "compat.ts")], { cwd: REPO, encoding: "utf8", timeout: 280000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = /command lines: (\d+) of (\d+) behave the same/.exec(r.stdout);
    const checks = /server-image checks: podman passes (\d+) of (\d+), skiff (\d+)/.exec(r.stdout);
    assert.ok(lines && checks, r.stdout);
    assert.equal(lines[1], lines[2], r.stdout);
    assert.ok(Number(lines[2]) >= 100 && Number(checks[2]) >= 60, r.stdout);
    // podman fails none of them on this machine; skiff fails none podman passes
    assert.equal(checks[1], checks[2], r.stdout);
    assert.equal(checks[3], checks[2], r.stdout);
  });
});
