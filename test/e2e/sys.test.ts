/**
 * src/sys on every runtime: the probe (test/fixtures/sys-probe.ts) is bundled like dist/skiff.js,
 * run on Node, Bun and Deno and as a `bun build --compile` executable; effects that outlive it are
 * checked here with independent tools (stat, getfattr).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { build } from "esbuild";
import { BUN, DENO, REPO, requiresRoot } from "../helpers/skiff.js";
import { subreaperExecArgv } from "../../src/sys/subreaper-exec.js";

const work = mkdtempSync(join(tmpdir(), "skiff-sys-"));
const bundle = join(work, "probe.mjs");
const compiled = join(work, "probe");
const compiledArm64 = join(work, "probe-arm64");
const QEMU = "/usr/bin/qemu-aarch64-static";
const canRunArm64 = existsSync(QEMU) && existsSync("/lib/ld-linux-aarch64.so.1");

const RUNNERS: Record<string, string[]> = {
  node: [process.execPath, bundle],
  "node made a subreaper by perl": subreaperExecArgv(process.arch, "/usr/bin/perl", [process.execPath, bundle])!,
  bun: [BUN, bundle],
  deno: [DENO, "run", "-A", "--quiet", bundle],
  compiled: [compiled],
  "compiled for arm64, under qemu": [QEMU, compiledArm64],
};

function probe(runner: string): { dir: string; out: Record<string, any> } {
  const dir = mkdtempSync(join(work, `${runner.replace(/\W+/g, "-")}-`));
  const [cmd, ...args] = RUNNERS[runner];
  const r = spawnSync(cmd, [...args, dir], { encoding: "utf8", timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  return { dir, out: JSON.parse(r.stdout) };
}

function getfattrHex(path: string, name: string): string {
  return execFileSync("getfattr", ["-h", "--absolute-names", "-e", "hex", "-n", name, path], { encoding: "utf8" }).match(/=0x([0-9a-f]*)/)![1];
}

describe("sys on every runtime", () => {
  before(async () => {
    await build({
      entryPoints: [join(REPO, "test/fixtures/sys-probe.ts")],
      outfile: bundle,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      external: ["bun:ffi"],
      logLevel: "error",
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    });
    execFileSync(BUN, ["build", bundle, "--compile", "--outfile", compiled], { stdio: "ignore" });
    if (canRunArm64) execFileSync(BUN, ["build", bundle, "--compile", "--target=bun-linux-arm64", "--outfile", compiledArm64], { stdio: "ignore" });
  });

  for (const runner of Object.keys(RUNNERS)) {
    it(`works on ${runner}`, (t) => {
      if (!requiresRoot(t)) return;
      if (runner.includes("arm64") && !canRunArm64) return t.skip("needs qemu-user-static and libc6:arm64 (scripts/setup.sh installs them)");
      const { dir, out } = probe(runner);
      const ffi = !runner.startsWith("node");
      assert.equal(out.runtime, runner.startsWith("compiled") ? "bun" : runner.split(" ")[0]);

      // mknod: types, permissions and device numbers as the kernel sees them
      assert.equal(out.mknod, "ok");
      assert.ok(lstatSync(join(dir, "fifo")).isFIFO());
      assert.equal(lstatSync(join(dir, "fifo")).mode & 0o777, 0o640 & ~process.umask());
      const nul = lstatSync(join(dir, "null"));
      assert.ok(nul.isCharacterDevice());
      assert.equal(nul.rdev, 0x103);
      const loop = lstatSync(join(dir, "loop"));
      assert.ok(loop.isBlockDevice());
      assert.equal(loop.rdev, (7 << 8) | (300 & 0xff) | ((300 & ~0xff) << 12));
      assert.match(out.mknodExisting.error, /^mknod .*fifo: EEXIST/);

      // xattrs: values read back by getfattr; the symlink's attribute is on the link, not its target
      assert.deepEqual(out.xattr, { user: "hello", capLength: 20, missing: true, list: ["security.capability", "user.skiff"], onLink: "on-link", fileHasLinkAttr: false });
      assert.equal(getfattrHex(join(dir, "file"), "user.skiff"), Buffer.from("hello").toString("hex"));
      assert.equal(getfattrHex(join(dir, "link"), "trusted.skiff"), Buffer.from("on-link").toString("hex"));
      assert.equal(getfattrHex(join(dir, "file"), "security.capability"), "0100000200200000000000000000000000000000");
      assert.match(out.xattrMissingFile.error, /^lgetxattr .*nope user\.x: ENOENT/);

      // mount: a tmpfs with flags and data, a read-only bind remount, both gone after umount
      assert.match(out.mount.mounts[0], /^skiff-probe \S+\/mnt tmpfs rw,nosuid,nodev,\S*size=1024k,mode=750/);
      assert.equal(out.mount.roWrite, "EROFS");
      assert.equal(out.mount.seen, "1");
      assert.equal(out.mount.after, false);
      assert.match(out.umountNotMounted.error, /^umount .*mnt: EINVAL/);

      // an orphan's status: the subreaper's to take; Node reads it from /proc and leaves the zombie
      const subreaper = runner !== "node" && !runner.includes("qemu");
      if (subreaper) assert.deepEqual(out.reap, { exited: 7, killed: 137 }, runner);
      else assert.match(out.reap.error, /^waitpid \d+: ECHILD/, runner);
      // the zombie a shim's probe loop looks for (shim/health.ts reapOrphans): seen, left, reaped
      if (!ffi) assert.deepEqual(out.exitedChild, { none: true }, runner);
      else if (subreaper) assert.deepEqual(out.exitedChild, { found: true, zombie: true, status: 3, after: null }, runner);
      if (!ffi) {
        assert.deepEqual(out.supports, { subreaper, reap: false, setsid: false, fdPassing: false, flock: false });
        if (subreaper) assert.deepEqual(out.subreaper, { before: true, after: true });
        else assert.match(out.subreaper.error, /not available on Node/);
        return;
      }
      assert.deepEqual(out.supports, { subreaper: true, reap: true, setsid: true, fdPassing: true, flock: true });
      assert.deepEqual(out.flock, { first: true, otherFd: false, afterUnlock: true, sharedTwice: true, heldByChild: false });
      assert.equal(out.setsid.sid, out.setsid.pid);
      if (runner.includes("qemu")) {
        // qemu-user refuses PR_GET_CHILD_SUBREAPER and fakes the session in /proc/self/stat;
        // everything else above ran through the arm64 FFI for real.
        assert.match(out.subreaper.error, /^prctl PR_GET_CHILD_SUBREAPER: EINVAL/);
      } else {
        assert.deepEqual(out.subreaper, { before: false, after: true });
        assert.equal(out.setsid.sessionFromProc, out.setsid.pid);
      }
      assert.deepEqual(out.fdPassing, { payload: "/dev/pts/42", path: join(dir, "passed"), distinct: true });
      // a probe's output pipe (container/probe-run.ts): only the read end non-blocking
      const ends = { readEnd: { nonblock: true, cloexec: true }, writeEnd: { nonblock: false, cloexec: true } };
      assert.deepEqual(out.pipe, out.runtime === "bun" ? { ...ends, empty: "EAGAIN", read: "hi" } : ends);
    });
  }
});
