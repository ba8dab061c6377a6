/** A pull killed at any moment, or racing another pull, still ends in a correct store. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { buildImage, chainOf, busyboxEntries, type TestImage } from "../helpers/image.js";
import { pushImage, startRegistry, type Registry } from "../helpers/registry.js";
import { makeTar, type TarEntry } from "../helpers/tar.js";
import { describeTree } from "../helpers/tree.js";
import { BIN, isolatedEnv, requiresRoot, skiff, skiffAsync } from "../helpers/skiff.js";


describe("pull crash safety", () => {
  let reg: Registry;
  let image: TestImage;
  let layers: TarEntry[][];
  const expected: string[][] = [];
  before(async () => {
    reg = await startRegistry();
    const blob = (n: number): TarEntry[] => [{ name: "data/", type: "dir", mtime: 1600000000 }, { name: `data/${n}/`, type: "dir" }, ...Array.from({ length: 40 }, (_x, i): TarEntry => ({ name: `data/${n}/f${i}`, content: randomBytes(40000) }))];
    layers = [busyboxEntries(), blob(1), blob(2), blob(3)];
    image = buildImage({ layers });
    await pushImage(reg, "crash/me", "v1", image);
    const ref = mkdtempSync(join(tmpdir(), "skiff-crashref-"));
    for (const [i, entries] of layers.entries()) {
      const dir = join(ref, String(i));
      mkdirSync(dir);
      writeFileSync(join(ref, `${i}.tar`), makeTar(entries));
      execFileSync("tar", ["--numeric-owner", "-xpf", join(ref, `${i}.tar`), "-C", dir]);
      expected.push(describeTree(dir));
    }
  });
  after(async () => { await reg?.stop(); });

  const checkStore = (env: NodeJS.ProcessEnv) => {
    const chain = chainOf(image.diffIds);
    chain.forEach((c, i) => assert.deepEqual(describeTree(join(env.SKIFF_ROOT!, "snapshots", c.slice(7), "fs")), expected[i], `layer ${i}`));
    assert.deepEqual(readdirSync(join(env.SKIFF_ROOT!, "snapshots")).filter((n) => !n.startsWith(".")).sort(), chain.map((c) => c.slice(7)).sort());
    const [img] = JSON.parse(skiff(["image", "inspect", `${reg.host}/crash/me:v1`], { env }).stdout);
    assert.equal(img.Id, image.config.digest.slice(7));
  };

  it("recovers from SIGKILL at random moments", async (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    for (let round = 0; round < 8; round++) {
      const child = spawn(BIN, ["pull", "-q", `${reg.host}/crash/me:v1`], { env, stdio: "ignore" });
      // listen before killing: a late round may finish on its own before the kill
      const closed = new Promise((r) => child.once("close", r));
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 200));
      child.kill("SIGKILL");
      await closed;
    }
    const r = await skiffAsync(["pull", "-q", `${reg.host}/crash/me:v1`], { env });
    assert.equal(r.code, 0, r.stderr);
    checkStore(env);
    // what the killed pulls left behind goes with the next collection
    assert.equal(skiff(["image", "prune", "-f"], { env }).code, 0);
    assert.deepEqual(readdirSync(join(env.SKIFF_ROOT!, "ingest")), []);
    assert.deepEqual(readdirSync(join(env.SKIFF_ROOT!, "snapshots")).filter((n) => n.startsWith(".")), []);
  });

  it("lets concurrent pulls of one image share the work", async (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const results = await Promise.all([1, 2, 3].map(() => skiffAsync(["pull", `${reg.host}/crash/me:v1`], { env, timeoutMs: 60000 })));
    const count = (re: RegExp) => results.map((r) => (r.stderr.match(re) ?? []).length).reduce((a, b) => a + b, 0);
    assert.equal(count(/: started$/gm), image.layers.length, "each layer is downloaded once in all");
    assert.equal(count(/: done$/gm), image.layers.length, "and unpacked once in all");
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), image.config.digest.slice(7));
    }
    checkStore(env);
    assert.equal(skiff(["images", "-q"], { env }).stdout.trim().split("\n").length, 1);
  });
});
