/** `build.ts --target linux-arm64` makes an arm64 executable that works (run under qemu-user). */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { VERSION } from "../../src/version.js";
import { REPO } from "../helpers/skiff.js";

const QEMU = "/usr/bin/qemu-aarch64-static";

describe("cross-compiled executable", () => {
  it("builds for linux-arm64 and runs there", (t) => {
    if (!existsSync(QEMU) || !existsSync("/lib/ld-linux-aarch64.so.1")) {
      return t.skip("needs qemu-user-static and libc6:arm64 (scripts/setup.sh installs them)");
    }
    const out = mkdtempSync(join(tmpdir(), "skiff-cross-"));
    execFileSync(process.execPath, ["--import", "tsx", "build.ts", "--target", "linux-arm64", "--targets-only", "--out-dir", out], { cwd: REPO, stdio: "ignore" });
    const bin = join(out, "skiff-linux-arm64");
    assert.match(execFileSync("file", [bin], { encoding: "utf8" }), /ARM aarch64/);
    const run = (args: string[]) => spawnSync(QEMU, [bin, ...args], { encoding: "utf8", env: { ...process.env, SKIFF_CONFIG: "/dev/null" } });
    assert.equal(run(["--version"]).stdout, `skiff version ${VERSION}\n`);
    const v = JSON.parse(run(["version", "--format", "json"]).stdout);
    assert.equal(v.Client.OsArch, "linux/arm64");
    const bad = run(["frobnicate"]);
    assert.equal(bad.status, 125);
    assert.match(bad.stderr, /^Error: unknown command "frobnicate"/);
    rmSync(out, { recursive: true, force: true });
  });
});
