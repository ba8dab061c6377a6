/**
 * The test harness itself: the registry helper serves real content, the image builder makes images
 * that other tools (skopeo) read and that real runc runs. Later suites build on both.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { buildImage, sha256 } from "../helpers/image.js";
import { pushImage, startRegistry, type Registry } from "../helpers/registry.js";
import { makeTar } from "../helpers/tar.js";
import { requiresRoot } from "../helpers/skiff.js";

describe("tar writer", () => {
  it("writes archives GNU tar reads back exactly, long names and xattrs included", () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-tar-"));
    const long = `${"d".repeat(120)}/${"f".repeat(120)}`;
    const tar = makeTar([
      { name: "a/", type: "dir", mode: 0o750 },
      { name: "a/file", content: "hello", mode: 0o640, uid: 1000, gid: 1000, mtime: 1234567890 },
      { name: "a/link", type: "symlink", linkname: "file" },
      { name: "a/hard", type: "hardlink", linkname: "a/file" },
      { name: long, content: "deep", xattrs: { "user.k": "v" } },
      { name: "a/fifo", type: "fifo" },
    ]);
    writeFileSync(join(dir, "t.tar"), tar);
    const listing = execFileSync("tar", ["--numeric-owner", "-tvf", join(dir, "t.tar")], { encoding: "utf8" });
    assert.match(listing, /^drwxr-x--- 0\/0 +0 \S+ \S+ a\/$/m);
    assert.match(listing, /^-rw-r----- 1000\/1000 +5 2009-02-1\d \S+ a\/file$/m);
    assert.match(listing, /^lrwxrwxrwx 0\/0 +0 \S+ \S+ a\/link -> file$/m);
    assert.match(listing, /^hrw-r--r-- 0\/0 +0 \S+ \S+ a\/hard link to a\/file$/m);
    assert.match(listing, new RegExp(`^-rw-r--r-- 0/0 +4 \\S+ \\S+ ${long}$`, "m"));
    assert.match(listing, /^prw-r--r-- 0\/0 +0 \S+ \S+ a\/fifo$/m);
    const out = join(dir, "x");
    mkdirSync(out);
    execFileSync("tar", ["--xattrs", "--xattrs-include=*", "-xf", join(dir, "t.tar"), "-C", out]);
    assert.equal(readFileSync(join(out, long), "utf8"), "deep");
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("test registry and images", () => {
  let reg: Registry;
  before(async () => { reg = await startRegistry(); });
  after(async () => { await reg?.stop(); });

  it("listens on loopback only", () => {
    assert.match(reg.host, /^127\.0\.0\.1:\d+$/);
  });

  it("serves a pushed busybox image that skopeo reads back", async () => {
    const image = buildImage();
    const digest = await pushImage(reg, "test/busybox", "latest", image);
    assert.equal(digest, image.manifest.digest);
    const res = await fetch(`${reg.url}/v2/test/busybox/manifests/latest`, { headers: { accept: image.manifest.mediaType } });
    assert.equal(res.headers.get("docker-content-digest"), image.manifest.digest);
    const inspected = JSON.parse(execFileSync("skopeo", ["inspect", "--tls-verify=false", `docker://${reg.host}/test/busybox:latest`], { encoding: "utf8" }));
    assert.equal(inspected.Digest, image.manifest.digest);
    assert.deepEqual(inspected.Layers, image.layers.map((l) => l.digest));
    const blob = Buffer.from(await (await fetch(`${reg.url}/v2/test/busybox/blobs/${image.layers[0].digest}`)).arrayBuffer());
    assert.equal(sha256(gunzipSync(blob)), image.diffIds[0]);
  });

  it("builds images whose busybox runs under real runc", (t) => {
    if (!requiresRoot(t)) return;
    const image = buildImage();
    const bundle = mkdtempSync(join(tmpdir(), "skiff-bundle-"));
    const rootfs = join(bundle, "rootfs");
    mkdirSync(rootfs);
    writeFileSync(join(bundle, "layer.tar"), gunzipSync(image.layers[0].data));
    execFileSync("tar", ["-xf", join(bundle, "layer.tar"), "-C", rootfs]);
    execFileSync("runc", ["spec"], { cwd: bundle });
    const spec = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    spec.process.terminal = false;
    spec.process.args = ["sh", "-c", "echo hello from $(uname -s); exit 7"];
    spec.process.rlimits = [];
    writeFileSync(join(bundle, "config.json"), JSON.stringify(spec));
    const id = `skiff-harness-${process.pid}`;
    const r = spawnSync("runc", ["run", "--bundle", bundle, id], { encoding: "utf8", timeout: 30000 });
    spawnSync("runc", ["delete", "-f", id]);
    rmSync(bundle, { recursive: true, force: true });
    assert.equal(r.stdout, "hello from Linux\n", r.stderr);
    assert.equal(r.status, 7);
  });
});
