/** Attachment records: what a writer killed half way through an atomic write leaves is swept. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { removeStaleWrites } from "../../src/network/attachment.js";

describe("attachment records", () => {
  it("removes a dead writer's temporary file, and a container's own under its lock", () => {
    const runroot = mkdtempSync(join(tmpdir(), "skiff-att-"));
    const dir = join(runroot, "networks");
    mkdirSync(dir);
    const [a, b] = ["a".repeat(64), "b".repeat(64)];
    const dead = `.${a}.json.999999999.mx51nh5z.tmp`, live = `.${b}.json.${process.pid}.mx51nh5z.tmp`;
    for (const f of [dead, live, `${a}.json`, ".other.tmp"]) writeFileSync(join(dir, f), "{}");
    removeStaleWrites(runroot);
    assert.deepEqual(readdirSync(dir).sort(), [live, ".other.tmp", `${a}.json`].sort(), "a live writer's file and records stay");
    removeStaleWrites(runroot, b);
    assert.deepEqual(readdirSync(dir).sort(), [".other.tmp", `${a}.json`].sort());
  });
});
