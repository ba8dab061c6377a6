/**
 * --storage-driver vfs: a container's root is the image's layers applied one by one into a
 * directory of its own (whiteouts delete, opaque directories empty), never an overlay mount; its
 * changes stay there across restarts and go with `rm`. diff, commit and build say in one line that
 * they need an overlay container.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isolatedEnv, requiresRoot, skiff } from "../helpers/skiff.js";
import { whiteoutLayers } from "../helpers/containers.js";
import { buildImage, sha256 } from "../helpers/image.js";
import { pushImage, startRegistry, type Registry } from "../helpers/registry.js";

const isRoot = process.getuid?.() === 0;

describe("vfs storage driver", { skip: isRoot ? false : "needs root (runc)" }, () => {
  let reg: Registry;
  let image: string;
  const env = isolatedEnv();
  const vfs = (args: string[]) => skiff(["--storage-driver", "vfs", ...args], { env, timeoutMs: 60000 });
  before(async () => {
    if (!isRoot) return;
    reg = await startRegistry();
    // the second layer deletes a file (a whiteout), replaces a directory (opaque) and adds one owned by 1000
    await pushImage(reg, "vfs/app", "latest", buildImage({ layers: whiteoutLayers([{ name: "data/link", type: "symlink", linkname: "new" }]) }));
    image = `${reg.host}/vfs/app`;
    assert.equal(skiff(["pull", "-q", "--tls-verify=false", image], { env, timeoutMs: 60000 }).code, 0);
  });
  after(async () => {
    skiff(["rm", "-af"], { env });
    await reg?.stop();
  });

  it("runs from a copy of the layers with their deletions applied, mounts no overlay, keeps changes across restarts", (t) => {
    if (!requiresRoot(t)) return;
    const r = vfs(["run", "--rm", "--network", "none", image, "sh", "-c", "ls /data; cat /data/link; stat -c '%u:%g' /data/new; test -e /etc/motd && echo motd; stat -c '%a %u' /"]);
    assert.deepEqual([r.code, r.stdout], [0, "link\nnew\nfresh\n1000:1000\n555 0\n"], r.stderr);
    const id = vfs(["create", "--name", "keep", "--network", "none", image, "sh", "-c", "echo $(cat /data/count 2>/dev/null)x > /data/count; cat /data/count; sleep 30"]).stdout.trim();
    assert.equal(vfs(["start", "keep"]).code, 0);
    const dir = join(env.SKIFF_ROOT!, "containers", id, "rootfs");
    assert.ok(statSync(join(dir, "bin", "busybox")).isFile(), "the container's own copy of the image");
    assert.doesNotMatch(readFileSync("/proc/self/mountinfo", "utf8"), new RegExp(id), "no overlay (or any) mount of the container's");
    const inspect = JSON.parse(vfs(["inspect", "keep"]).stdout)[0];
    assert.deepEqual([inspect.Driver, inspect.GraphDriver], ["vfs", { Name: "vfs", Data: null }], "as podman's vfs containers");
    assert.equal(vfs(["stop", "-t", "0", "keep"]).code, 0);
    assert.equal(vfs(["start", "keep"]).code, 0);
    for (let i = 0; i < 50 && !vfs(["logs", "keep"]).stdout.includes("xx"); i++) spawnWait(100);
    assert.equal(vfs(["logs", "keep"]).stdout, "x\nxx\n", "the second start sees the first one's file");
    // a file copied into the container lands in its copy, not in the image's layers
    assert.equal(vfs(["exec", "keep", "sh", "-c", "echo hello > /data/made"]).code, 0);
    assert.equal(readFileSync(join(dir, "data", "made"), "utf8"), "hello\n");
    const snapshots = join(env.SKIFF_ROOT!, "snapshots");
    assert.ok(readdirSync(snapshots).every((s) => !existsSync(join(snapshots, s, "fs", "data", "made"))));
    // what needs an overlay layer says so in one line
    const diff = vfs(["diff", "keep"]);
    assert.deepEqual([diff.code, diff.stderr], [125, "Error: container keep uses the vfs storage driver: its changes are not kept apart from the image yet (diff and commit need an overlay container (the default driver))\n"]);
    const commit = vfs(["commit", "keep", "img2"]);
    assert.equal(commit.code, 125);
    assert.match(commit.stderr, /^Error: container keep uses the vfs storage driver/);
    const build = vfs(["build", "-t", "x", env.SKIFF_ROOT!]);
    assert.deepEqual([build.code, build.stderr], [125, "Error: build with the vfs storage driver: not supported yet (build with the overlay driver (the default))\n"]);
    assert.equal(vfs(["rm", "-f", "-t", "0", "keep"]).code, 0);
    assert.equal(existsSync(join(env.SKIFF_ROOT!, "containers", id)), false, "the copy goes with the container");
  });

  it("cp and export work on a stopped vfs container, and the overlay default is untouched", (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(vfs(["create", "--name", "cold", image, "true"]).code, 0);
    const tar = join(env.SKIFF_ROOT!, "..", "cold.tar");
    const out = vfs(["export", "-o", tar, "cold"]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(execFileSync("tar", ["-tf", tar], { encoding: "utf8" }), /^\.?\/?data\/new$/m);
    const cp = skiff(["cp", "cold:/data/new", join(env.SKIFF_ROOT!, "..", "copied")], { env });
    assert.equal(cp.code, 0, cp.stderr);
    assert.equal(readFileSync(join(env.SKIFF_ROOT!, "..", "copied"), "utf8"), "fresh\n");
    // a container made without the flag stays an overlay one
    const plain = skiff(["run", "--rm", "--network", "none", image, "cat", "/data/new"], { env });
    assert.deepEqual([plain.code, plain.stdout], [0, "fresh\n"], plain.stderr);
    assert.equal(vfs(["rm", "cold"]).code, 0);
  });
});

describe("vfs on a store that overlayfs refuses (skiff inside a container whose root is an overlay)", { skip: isRoot ? false : "needs root (mount)" }, () => {
  let reg: Registry;
  let image: string;
  const base = mkdtempSync(join(tmpdir(), "skiff-vfs-nested-"));
  const merged = join(base, "m");
  before(async () => {
    if (!isRoot) return;
    for (const d of ["l", "u", "w", "m"]) mkdirSync(join(base, d));
    execFileSync("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${join(base, "l")},upperdir=${join(base, "u")},workdir=${join(base, "w")}`, merged]);
    reg = await startRegistry();
    await pushImage(reg, "nested/app", "latest", buildImage({ layers: whiteoutLayers() }));
    await pushImage(reg, "nested/lying", "latest", buildImage({ layers: whiteoutLayers(), diffIds: [sha256("base"), sha256("top")] }));
    image = `${reg.host}/nested/app`;
  });
  after(async () => {
    await reg?.stop();
    spawnSync("umount", ["-l", merged]);
    rmSync(base, { recursive: true, force: true });
  });

  it("a new store there is vfs on its own: blobs only, runs from them; it stays vfs and refuses overlay in one line", (t) => {
    if (!requiresRoot(t)) return;
    // overlay asked for: the unpack fails on the first whiteout, naming the driver that works
    const forced = isolatedEnv({ SKIFF_ROOT: join(merged, "forced"), SKIFF_RUNROOT: join(base, "run-forced") });
    const refused = skiff(["--storage-driver", "overlay", "pull", "-q", "--tls-verify=false", image], { env: forced, timeoutMs: 60000 });
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /^Error: unpack etc\/\.wh\.motd: the store's file system refuses overlay whiteouts \(on an overlayfs \(inside a container\) use --storage-driver vfs\)$/m);
    // nothing asked: the store's file system is an overlayfs, so the new store is a vfs one
    const env = isolatedEnv({ SKIFF_ROOT: join(merged, "store"), SKIFF_RUNROOT: join(base, "run") });
    const pulled = skiff(["pull", "--tls-verify=false", image], { env, timeoutMs: 60000 });
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.doesNotMatch(pulled.stderr, /skipped/, "downloaded layers are done, not skipped");
    assert.deepEqual(readdirSync(join(merged, "store", "snapshots")), [], "no snapshots in a vfs store");
    const r = skiff(["run", "--rm", "--network", "none", image, "sh", "-c", "ls /data; test -e /etc/motd || echo no-motd"], { env, timeoutMs: 60000 });
    assert.deepEqual([r.code, r.stdout], [0, "new\nno-motd\n"], r.stderr);
    assert.equal(skiff(["info", "--format", "{{.Store.GraphDriverName}}"], { env }).stdout, "vfs\n");
    const overlay = skiff(["--storage-driver", "overlay", "images"], { env });
    assert.deepEqual([overlay.code, overlay.stderr], [125, `Error: the store at ${join(merged, "store")} was made with the vfs driver: it has no overlay layers (use --storage-driver vfs, or another --root for overlay)\n`]);
    skiff(["rm", "-af"], { env });
  });

  it("a layer that does not unpack to its config's diff_id fails the vfs copy in one line and leaves no copy", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv({ SKIFF_ROOT: join(merged, "lying"), SKIFF_RUNROOT: join(base, "run-lying") });
    // a vfs store keeps the blobs (each checked against its digest) and unpacks nothing at pull
    assert.equal(skiff(["pull", "-q", "--tls-verify=false", `${reg.host}/nested/lying`], { env, timeoutMs: 60000 }).code, 0);
    const r = skiff(["run", "--name", "liar", "--network", "none", `${reg.host}/nested/lying`, "true"], { env, timeoutMs: 60000 });
    assert.equal(r.code, 125);
    assert.match(r.stderr, new RegExp(`^Error: layer sha256:[0-9a-f]{64}: uncompressed digest sha256:[0-9a-f]{64} is not the config's ${sha256("base")}\n$`));
    const id = skiff(["inspect", "--format", "{{.Id}}", "liar"], { env }).stdout.trim();
    assert.deepEqual(readdirSync(join(merged, "lying", "containers", id)).filter((f) => f.startsWith("rootfs")), [], "no copy, whole or partial");
    skiff(["rm", "-af"], { env });
  });
});

function spawnWait(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
