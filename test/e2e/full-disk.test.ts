/**
 * A full disk: a container's log fills the store's file system (a small tmpfs as --root). Stopping
 * and removing still work, other commands fail with one line, the shim keeps the container alive
 * and drops output instead of dying, and says in the log how much was lost once there is room.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { importImage, appEntries, sk, until } from "../helpers/containers.js";
import { buildImage } from "../helpers/image.js";
import { startFakeRegistry } from "../helpers/fake-registry.js";
import { isolatedEnv, requiresRoot, skiffAsync } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), "skiff-full-"));
const small = join(work, "small");
let env: NodeJS.ProcessEnv;

const free = (dir: string) => { const s = statfsSync(dir); return s.bavail * s.bsize; };

describe("a full disk", () => {
  before(() => {
    if (!isRoot) return;
    mkdirSync(small);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=40m", "tmpfs", small]);
    env = isolatedEnv({ SKIFF_ROOT: join(small, "root") });
    importImage(env, "bb", appEntries(), ['CMD ["sh"]']);
  });
  after(() => {
    if (!isRoot) return;
    sk(env, ["rm", "-af", "-t", "0"]);
    spawnSync("umount", ["-l", small]);
    rmSync(work, { recursive: true, force: true });
  });

  it("stops and removes a container whose log filled the disk, and says no space in one line elsewhere", async (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(sk(env, ["run", "-d", "--name", "filler", "bb", "sh", "-c", "yes 0123456789012345678901234567890123456789"]).code, 0);
    await until("the disk to fill", () => free(small) === 0, 60000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(JSON.parse(sk(env, ["inspect", "filler"]).stdout)[0].State.Status, "running", "the shim keeps the container running on a full disk");
    for (const args of [["volume", "create", "v1"], ["run", "--rm", "bb", "true"], ["create", "bb", "true"]]) {
      const r = sk(env, args);
      assert.equal(r.code, 125, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^Error: [^\n]*no space left on device[^\n]*\n$/, args.join(" "));
    }
    const stop = sk(env, ["stop", "-t", "1", "filler"]);
    assert.equal(stop.code, 0, stop.stderr);
    const rm = sk(env, ["rm", "filler"]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(sk(env, ["ps", "-aq"]).stdout, "");
    assert.ok(free(small) > 10 << 20, "the log went with the container");
  });

  it("drops output while the log's file system is full, and notes how much once there is room", async (t) => {
    if (!requiresRoot(t)) return;
    const logs = join(work, "logs");
    mkdirSync(logs);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", logs]);
    try {
      const sig = join(work, "sig");
      mkdirSync(sig);
      writeFileSync(join(logs, "ballast"), Buffer.alloc(600 << 10));
      const script = "yes filler-line | head -c 1000000; touch /sig/flooded; while [ ! -e /sig/go ]; do sleep 0.1; done; echo after-the-gap; sleep 30";
      assert.equal(sk(env, ["run", "-d", "--name", "gap", "--log-opt", `path=${join(logs, "ctr.log")}`, "-v", `${sig}:/sig`, "bb", "sh", "-c", script]).code, 0);
      await until("the log's disk to fill", () => free(logs) < 8192, 30000);
      await until("the flood to end", () => existsSync(join(sig, "flooded")), 30000);
      await new Promise((r) => setTimeout(r, 1500)); // the shim drains the pipe (all of it dropped)
      rmSync(join(logs, "ballast"));
      writeFileSync(join(sig, "go"), "");
      await until("the line after the gap", () => sk(env, ["logs", "gap"]).stdout.includes("after-the-gap"), 30000);
      const out = sk(env, ["logs", "gap"]);
      assert.match(out.stderr, /\[skiff: \d+ bytes of output were lost: no space left on device\]/);
      assert.equal(JSON.parse(sk(env, ["inspect", "gap"]).stdout)[0].State.Status, "running");
      assert.equal(sk(env, ["rm", "-f", "-t", "0", "gap"]).code, 0);
    } finally {
      spawnSync("umount", ["-l", logs]);
    }
  });

  it("a pull that runs out of space ends in one line and leaves the store as it was", async (t) => {
    if (!requiresRoot(t)) return;
    const tiny = join(work, "tiny");
    mkdirSync(tiny);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", tiny]);
    // a layer of 16 MB of incompressible bytes: more than the store's file system holds
    let x = 7;
    const noise = Buffer.alloc(16 << 20, 0).map(() => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24));
    const image = buildImage({ layers: [[{ name: "big.bin", content: noise }]], compression: "none" });
    const reg = await startFakeRegistry("t/big", "v1", image, []);
    const own = isolatedEnv({ SKIFF_ROOT: join(tiny, "root") });
    try {
      importImage(own, "bb", appEntries(), ['CMD ["sh"]']);
      const before = readdirSync(join(tiny, "root", "blobs", "sha256")).sort();
      const r = await skiffAsync(["pull", "-q", `${reg.host}/t/big:v1`], { env: own, timeoutMs: 60000 });
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, /^Error: [^\n]*no space left on device[^\n]*\n$/);
      // the layer that did not fit is not in the store, nor the manifest and config it stored first
      assert.deepEqual(readdirSync(join(tiny, "root", "blobs", "sha256")).sort(), before, "the blobs are as they were");
      assert.equal(readFileSync(join(tiny, "root", "index.json"), "utf8").includes("t/big"), false);
      assert.equal(sk(own, ["images", "--format", "{{.Repository}}"]).stdout, "localhost/bb\n");
      assert.equal(sk(own, ["run", "--rm", "bb", "true"]).code, 0, "the store still works");
    } finally {
      await reg.stop();
      spawnSync("umount", ["-l", tiny]);
    }
  });
});
