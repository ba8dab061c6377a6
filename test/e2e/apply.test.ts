/** Layer application: exact (same tree as GNU tar makes), overlay-correct, and safe. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { applyLayer, type ApplyOptions } from "../../src/snapshot/apply.js";
import { readTar } from "../../src/snapshot/tar/reader.js";
import { getSys } from "../../src/sys/index.js";
import { SkiffError } from "../../src/errors.js";
import { makeTar, type TarEntry } from "../helpers/tar.js";
import { describeTree } from "../helpers/tree.js";
import { requiresRoot } from "../helpers/skiff.js";

const work = mkdtempSync(join(tmpdir(), "skiff-apply-"));
let n = 0;
const fresh = (name: string) => { const d = join(work, `${name}-${n++}`); mkdirSync(d); return d; };

async function* once(buf: Buffer) { yield buf; }

async function apply(entries: TarEntry[] | Buffer, opts: Partial<ApplyOptions> & { root: string }) {
  const tar = Buffer.isBuffer(entries) ? entries : makeTar(entries);
  return applyLayer(readTar(once(tar)), { lowers: [], mode: "overlay", sys: await getSys(), ...opts });
}

const EVERYTHING: TarEntry[] = [
  { name: "etc/", type: "dir", mode: 0o755, mtime: 1600000000 },
  { name: "etc/passwd", content: "root:x:0:0::/root:/bin/sh\n", mtime: 1600000001 },
  { name: "bin/", type: "dir", mtime: 1600000002 },
  { name: "bin/tool", content: "#!/bin/sh\n", mode: 0o4755, uid: 0, gid: 0 },
  { name: "bin/ping", content: "ping", mode: 0o755, xattrs: { "security.capability": Buffer.from("0100000200200000000000000000000000000000", "hex"), "user.note": "hi" } },
  { name: "bin/sh", type: "symlink", linkname: "tool" },
  { name: "bin/abs", type: "symlink", linkname: "/etc/passwd" },
  { name: "bin/hard", type: "hardlink", linkname: "bin/tool" },
  { name: "home/user/", type: "dir", mode: 0o700, uid: 1000, gid: 1000, mtime: 1600000003 },
  { name: "home/user/.profile", content: "x", uid: 1000, gid: 1000, mode: 0o600 },
  { name: "tmp/", type: "dir", mode: 0o1777 },
  { name: "dev/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666 },
  { name: "dev/loop9", type: "block", devmajor: 7, devminor: 9, mode: 0o660, gid: 6 },
  { name: "run/fifo", type: "fifo", mode: 0o600 },
  { name: `deep/${"x".repeat(120)}/${"y".repeat(120)}`, content: "long" },
  { name: "implicit/parent/file", content: "no parent entries" },
  { name: "sgid/", type: "dir", mode: 0o2775, gid: 50 },
];

describe("applying a layer", () => {
  it("produces exactly the tree GNU tar extracts from the same archive", async (t) => {
    if (!requiresRoot(t)) return;
    const tar = makeTar(EVERYTHING);
    const ours = fresh("ours");
    await apply(tar, { root: ours });
    const theirs = fresh("gnu");
    writeFileSync(join(work, "l.tar"), tar);
    execFileSync("tar", ["--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", join(work, "l.tar"), "-C", theirs]);
    // GNU tar gives implicit parents the umask's 0755 and the extraction time, as we do: compare without their mtimes
    const strip = (lines: string[]) => lines.map((l) => (/^(implicit|implicit\/parent|deep|deep\/x+|run|dev|home) dir/.test(l) ? l.replace(/ mtime=\d+/, "") : l));
    assert.deepEqual(strip(describeTree(ours)), strip(describeTree(theirs)));
  });

  it("keeps setuid after chown, and the image's owners and times", async (t) => {
    if (!requiresRoot(t)) return;
    const root = fresh("meta");
    await apply(EVERYTHING, { root });
    assert.equal(lstatSync(join(root, "bin/tool")).mode & 0o7777, 0o4755);
    assert.equal(lstatSync(join(root, "sgid")).mode & 0o7777, 0o2775);
    assert.equal(lstatSync(join(root, "home/user")).uid, 1000);
    assert.equal(lstatSync(join(root, "etc")).mtimeMs, 1600000000 * 1000, "directory times survive their children");
    assert.equal(lstatSync(join(root, "bin/hard")).ino, lstatSync(join(root, "bin/tool")).ino);
  });

  it("writes sparse files with holes", async (t) => {
    if (!requiresRoot(t)) return;
    const root = fresh("sparse");
    const src = fresh("sparse-src");
    execFileSync("bash", ["-c", `printf start > f && truncate -s 64M f && printf end >> f`], { cwd: src });
    await apply(execFileSync("tar", ["-C", src, "--format=posix", "--sparse", "-c", "f"], { maxBuffer: 1 << 26 }), { root });
    const st = lstatSync(join(root, "f"));
    assert.equal(st.size, 64 * 1024 * 1024 + 3);
    assert.ok(st.blocks * 512 < 1024 * 1024, `allocated ${st.blocks * 512} bytes`);
    const data = readFileSync(join(root, "f"));
    assert.equal(data.subarray(0, 5).toString(), "start");
    assert.equal(data.subarray(-3).toString(), "end");
  });

  it("never applies trusted.* xattrs from an image", async (t) => {
    if (!requiresRoot(t)) return;
    const root = fresh("trusted");
    await apply([{ name: "d/", type: "dir", xattrs: { "trusted.overlay.opaque": "y", "user.ok": "1" } }], { root });
    const sys = await getSys();
    assert.equal(sys.lgetxattr(join(root, "d"), "trusted.overlay.opaque"), undefined);
    assert.equal(Buffer.from(sys.lgetxattr(join(root, "d"), "user.ok")!).toString(), "1");
  });

  describe("whiteouts", () => {
    const base: TarEntry[] = [
      { name: "a/", type: "dir" }, { name: "a/keep", content: "k" }, { name: "a/gone", content: "g" },
      { name: "o/", type: "dir" }, { name: "o/old1", content: "1" }, { name: "o/sub/", type: "dir" }, { name: "o/sub/old2", content: "2" },
    ];
    const upper: TarEntry[] = [
      { name: "a/.wh.gone", content: "" },
      { name: "o/new", content: "n" },
      { name: "o/.wh..wh..opq", content: "" },
    ];

    it("become overlayfs whiteouts that a real overlay mount honours", async (t) => {
      if (!requiresRoot(t)) return;
      const l0 = fresh("l0"), l1 = fresh("l1");
      await apply(base, { root: l0 });
      await apply(upper, { root: l1, lowers: [l0] });
      const wh = lstatSync(join(l1, "a/gone"));
      assert.ok(wh.isCharacterDevice() && wh.rdev === 0, "a/gone is a 0:0 char device");
      assert.equal(Buffer.from((await getSys()).lgetxattr(join(l1, "o"), "trusted.overlay.opaque")!).toString(), "y");
      assert.ok(!existsSync(join(l1, "a/.wh.gone")) && !existsSync(join(l1, "o/.wh..wh..opq")), "markers are not written");
      const merged = fresh("merged");
      execFileSync("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${l1}:${l0}`, merged]);
      try {
        assert.deepEqual(readdirSync(join(merged, "a")).sort(), ["keep"]);
        assert.deepEqual(readdirSync(join(merged, "o")).sort(), ["new"]);
      } finally {
        execFileSync("umount", [merged]);
      }
    });

    it("delete directly in plain mode, the opaque marker keeping this layer's own entries", async (t) => {
      if (!requiresRoot(t)) return;
      const root = fresh("plain");
      await apply(base, { root, mode: "plain" });
      await apply(upper, { root, mode: "plain" });
      assert.deepEqual(readdirSync(join(root, "a")).sort(), ["keep"]);
      assert.deepEqual(readdirSync(join(root, "o")).sort(), ["new"]);
    });

    it("give new parent directories the attributes of the lower ones", async (t) => {
      if (!requiresRoot(t)) return;
      const l0 = fresh("attr0"), l1 = fresh("attr1");
      await apply([{ name: "srv/", type: "dir", mode: 0o750, uid: 33, gid: 33, mtime: 1500000000 }, { name: "srv/x", content: "" }], { root: l0 });
      await apply([{ name: "srv/.wh.x", content: "" }], { root: l1, lowers: [l0] });
      const st = lstatSync(join(l1, "srv"));
      assert.deepEqual([st.mode & 0o7777, st.uid, st.gid, st.mtimeMs], [0o750, 33, 33, 1500000000 * 1000]);
    });
  });

  it("copies up the target of a hardlink into an earlier layer", async (t) => {
    if (!requiresRoot(t)) return;
    const l0 = fresh("h0"), l1 = fresh("h1");
    await apply([{ name: "usr/bin/perl", content: "perl", mode: 0o755 }], { root: l0 });
    await apply([{ name: "usr/bin/perl5", type: "hardlink", linkname: "usr/bin/perl" }], { root: l1, lowers: [l0] });
    assert.equal(readFileSync(join(l1, "usr/bin/perl5"), "utf8"), "perl");
    assert.equal(lstatSync(join(l1, "usr/bin/perl5")).ino, lstatSync(join(l1, "usr/bin/perl")).ino);
  });
});

describe("hostile layers", () => {
  const sentinelDir = mkdtempSync(join(tmpdir(), "skiff-sentinel-"));
  const victim = join(sentinelDir, "victim");
  writeFileSync(victim, "safe");

  const untouched = () => {
    assert.equal(readFileSync(victim, "utf8"), "safe", "the file outside the root is unchanged");
    assert.deepEqual(readdirSync(sentinelDir), ["victim"], "nothing was created outside the root");
  };

  const harmless: [string, TarEntry[], (root: string) => void][] = [
    ["absolute paths land inside the root", [{ name: `${victim}`, content: "pwned" }], (r) => assert.equal(readFileSync(join(r, victim), "utf8"), "pwned")],
    ["writing through a symlink to an absolute path stays inside", [{ name: "esc", type: "symlink", linkname: sentinelDir }, { name: "esc/victim", content: "pwned" }], (r) => assert.equal(readFileSync(join(r, victim), "utf8"), "pwned")],
    ["writing through a symlink climbing with .. stays inside", [{ name: "a/b", type: "symlink", linkname: `../../../../../../../..${sentinelDir}` }, { name: "a/b/victim", content: "pwned" }], (r) => assert.equal(readFileSync(join(r, victim), "utf8"), "pwned")],
    ["a file replacing a symlink to outside replaces the link, not the target", [{ name: "x", type: "symlink", linkname: victim }, { name: "x", content: "pwned" }], (r) => assert.ok(lstatSync(join(r, "x")).isFile())],
    ["a symlink to the root, then writes below it", [{ name: "r", type: "symlink", linkname: "/" }, { name: "r/r/r/etc/f", content: "in" }], (r) => assert.equal(readFileSync(join(r, "etc/f"), "utf8"), "in")],
    ["a hardlink to an absolute path links inside the root", [{ name: victim, content: "copy" }, { name: "h", type: "hardlink", linkname: victim }], (r) => assert.equal(readFileSync(join(r, "h"), "utf8"), "copy")],
    ["a whiteout through a symlink removes inside the root", [{ name: "w", type: "symlink", linkname: sentinelDir }, { name: "w/.wh.victim", content: "" }], () => {}],
    ["a directory entry over a symlink to outside replaces the link", [{ name: "d", type: "symlink", linkname: sentinelDir }, { name: "d/", type: "dir", mode: 0o777 }], (r) => assert.ok(lstatSync(join(r, "d")).isDirectory())],
  ];
  for (const [name, entries, check] of harmless) {
    it(`${name}`, async (t) => {
      if (!requiresRoot(t)) return;
      const root = fresh("hostile");
      await apply(entries, { root, mode: "plain" });
      check(root);
      untouched();
    });
  }

  const refused: [string, TarEntry[], RegExp][] = [
    ["../ in a path", [{ name: "../../escape", content: "x" }], /escapes the image root/],
    ["../ in a hardlink target", [{ name: "h", type: "hardlink", linkname: `../../..${victim}` }], /escapes the image root/],
    ["a bare whiteout", [{ name: "d/.wh.", content: "" }], /invalid whiteout/],
    ["a whiteout of ..", [{ name: "d/.wh..", content: "" }], /invalid whiteout/],
    ["changing the root into a symlink", [{ name: "./", type: "symlink", linkname: "/" }], /refusing to change the type of the image root/],
    ["a symlink loop", [{ name: "l", type: "symlink", linkname: "l" }, { name: "l/x", content: "" }], /too many levels of symbolic links/],
    ["a hardlink to a missing file", [{ name: "h", type: "hardlink", linkname: "nothing" }], /target nothing not found/],
    ["a hardlink to a directory", [{ name: "d/", type: "dir" }, { name: "h", type: "hardlink", linkname: "d" }], /points at a directory/],
    ["a file used as a directory", [{ name: "f", content: "" }, { name: "f/x", content: "" }], /f is not a directory/],
  ];
  for (const [name, entries, want] of refused) {
    it(`refuses ${name}`, async (t) => {
      if (!requiresRoot(t)) return;
      const root = fresh("refused");
      await assert.rejects(apply(entries, { root }), (e: unknown) => e instanceof SkiffError && e.exitCode === 125 && want.test(e.message));
      untouched();
    });
  }

  it("survives random garbage without crashing or escaping", async (t) => {
    if (!requiresRoot(t)) return;
    for (let i = 0; i < 30; i++) {
      const tar = makeTar([{ name: "a/b", content: "x" }, { name: "c", type: "symlink", linkname: sentinelDir }]);
      for (let k = 0; k < 8; k++) tar[Math.floor(Math.random() * 1024)] = Math.floor(Math.random() * 256);
      const root = fresh("fuzz");
      try { await apply(tar, { root }); } catch (e) { assert.ok(e instanceof SkiffError, `only SkiffErrors: ${e}`); }
      untouched();
    }
  });
});

process.on("exit", () => { spawnSync("umount", ["-R", work]); rmSync(work, { recursive: true, force: true }); });
