/** image history, and image mount: the merged view equals what umoci unpacks from the same store. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildImage, busyboxEntries, type TestImage } from "../helpers/image.js";
import { pushImage, startRegistry, type Registry } from "../helpers/registry.js";
import { describeTree } from "../helpers/tree.js";
import { isolatedEnv, requiresRoot, skiff } from "../helpers/skiff.js";
import type { TarEntry } from "../helpers/tar.js";

const UPPER: TarEntry[] = [
  { name: "etc/", type: "dir", mtime: 1700000100 },
  { name: "etc/.wh.group", content: "" },
  { name: "etc/motd", content: "hello\n", mtime: 1700000200 },
  { name: "tmp/", type: "dir", mode: 0o1777, mtime: 1700000300 },
  { name: "tmp/.wh..wh..opq", content: "" },
  { name: "tmp/fresh", content: "new", mtime: 1700000400 },
  { name: "bin/ls", content: "not a link any more", mode: 0o755, mtime: 1700000500 },
];

describe("image history and mount", () => {
  let reg: Registry;
  let image: TestImage;
  before(async () => {
    reg = await startRegistry();
    image = buildImage({ layers: [[...busyboxEntries(), { name: "tmp/old", content: "old" }], UPPER] });
    await pushImage(reg, "view/img", "v1", image);
  });
  after(async () => { await reg?.stop(); });

  it("shows the history newest first, the image ID on top", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    assert.equal(skiff(["pull", "-q", `${reg.host}/view/img:v1`], { env }).code, 0);
    const out = skiff(["history", `${reg.host}/view/img:v1`], { env }).stdout.trimEnd().split("\n");
    assert.match(out[0], /^ID +CREATED +CREATED BY +SIZE +COMMENT$/);
    assert.equal(out.length, 3);
    assert.match(out[1], new RegExp(`^${image.config.digest.slice(7, 19)} +\\d+ \\w+ ago +skiff tests +\\d`));
    assert.match(out[2], /^<missing> /);
    const json = JSON.parse(skiff(["image", "history", "--format", "json", `${reg.host}/view/img:v1`], { env }).stdout);
    assert.equal(json.length, 2);
    assert.ok(json[1].Size > 1_000_000, "the busybox layer's size");
  });

  it("mounts a read-only merged view equal to umoci's unpack of the same store", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const name = `${reg.host}/view/img:v1`;
    assert.equal(skiff(["pull", "-q", name], { env }).code, 0);
    const m = skiff(["image", "mount", name], { env });
    assert.equal(m.code, 0, m.stderr);
    const merged = m.stdout.trim();
    try {
      assert.equal(skiff(["image", "mount", name], { env }).stdout.trim(), merged, "mounting twice gives the same view");
      assert.equal(readFileSync(join(merged, "etc/motd"), "utf8"), "hello\n");
      assert.ok(!existsSync(join(merged, "etc/group")), "whited out");
      assert.ok(!existsSync(join(merged, "tmp/old")), "hidden by the opaque directory");
      assert.throws(() => execFileSync("touch", [join(merged, "x")], { stdio: "pipe" }), /Read-only file system/);
      const bundle = mkdtempSync(join(tmpdir(), "skiff-umoci-"));
      execFileSync("umoci", ["raw", "unpack", "--image", `${env.SKIFF_ROOT}:${name}`, join(bundle, "rootfs")], { stdio: "pipe" });
      // directory times differ by design (umoci changes them as later layers write into them)
      const strip = (lines: string[]) => lines.map((l) => (/ dir /.test(l) ? l.replace(/ mtime=\d+/, "") : l));
      assert.deepEqual(strip(describeTree(merged)), strip(describeTree(join(bundle, "rootfs"))));
    } finally {
      const u = skiff(["image", "unmount", name], { env });
      assert.deepEqual([u.code, u.stdout], [0, `${image.config.digest.slice(7)}\n`], u.stderr);
    }
    assert.ok(!existsSync(merged));
    const again = skiff(["image", "unmount", name], { env });
    assert.equal(again.code, 125);
    assert.match(again.stderr, /is not mounted/);
  });
});
