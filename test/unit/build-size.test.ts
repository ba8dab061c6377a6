/** The build says what the executable is made of (issue #16: the runtime vs skiff's own code). */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { describe, it } from "node:test";
import { BIN } from "../helpers/skiff.js";
import { sizeReport } from "../../build.js";

describe("build size report", () => {
  it("splits the executable into the Bun runtime and skiff's code, and names the bundle", () => {
    const m = /^size: dist\/skiff ([\d.]+) MB = the Bun runtime ([\d.]+) MB \+ skiff's code and bytecode ([\d.]+) MB; dist\/skiff\.js \+ skiff-code\.cjs \+ skiff-shim\.cjs ([\d.]+) MB \(for a system Node\)$/.exec(sizeReport());
    assert.ok(m, sizeReport());
    const [exe, runtime, own] = [m[1], m[2], m[3]].map(Number);
    assert.ok(Math.abs(exe - runtime - own) <= 0.11, "the parts add up");
    assert.ok(Math.abs(exe - statSync(BIN).size / 1e6) <= 0.06);
    assert.ok(own > 0 && own < runtime);
  });
});
