/**
 * push to Debian's docker-registry (open, htpasswd, Bearer tokens): podman pulls and runs what
 * skiff pushed, skopeo reads it, a second push skips every blob, a layer another repository of the
 * registry has is mounted, pulled layers keep their digests, a push killed half way completes when
 * run again; and the local destinations (oci:, oci-archive:, docker-archive:).
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeContext } from "../helpers/build.js";
import { containerEnv, sk } from "../helpers/containers.js";
import { isolatedPodman, type Podman } from "../helpers/podman.js";
import { startRegistry, type Registry } from "../helpers/registry.js";
import { startTokenServer, type TokenServer } from "../helpers/token-server.js";
import { BIN, skiffAsync } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), "skiff-push-"));

function skopeo(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("skopeo", args, { encoding: "utf8", timeout: 60000 });
  return { code: r.status ?? 137, stdout: r.stdout, stderr: r.stderr };
}

describe("push", { skip: isRoot ? false : "needs root (build, mounts)" }, () => {
  let reg: Registry, basic: Registry, token: Registry, issuer: TokenServer;
  let podman: Podman;
  const env = isRoot ? containerEnv() : {};
  before(async () => {
    if (!isRoot) return;
    reg = await startRegistry();
    const dir = mkdtempSync(join(work, "htpasswd-"));
    execFileSync("htpasswd", ["-Bbc", join(dir, "htpasswd"), "alice", "s3cret"], { stdio: "ignore" });
    basic = await startRegistry({ auth: { htpasswd: join(dir, "htpasswd") } });
    issuer = await startTokenServer({ bob: "hunter2" });
    token = await startRegistry({ auth: { token: issuer } });
    podman = isolatedPodman();
    const ctx = makeContext({ "app.txt": "hello from skiff\n", Containerfile: "FROM bb\nCOPY app.txt /app.txt\nRUN echo built > /built\nCMD [\"cat\", \"/app.txt\", \"/built\"]\n" });
    const b = sk(env, ["build", "--network", "none", "-q", "-t", "localhost/app:1", ctx], { timeoutMs: 120000 });
    assert.equal(b.code, 0, b.stderr);
  });
  after(async () => {
    podman?.dispose();
    for (const r of [reg, basic, token]) await r?.stop();
    await issuer?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("pushes an image podman pulls and runs and skopeo reads; a second push skips every blob", () => {
    const dest = `${reg.host}/team/app:1`;
    const digestFile = join(work, "digest");
    const r = sk(env, ["push", "--digestfile", digestFile, "localhost/app:1", dest], { timeoutMs: 120000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^Getting image source signatures\n/);
    assert.match(r.stderr, /Writing manifest to image destination\nStoring signatures\n$/);
    const digest = readFileSync(digestFile, "utf8");
    const inspect = skopeo(["inspect", "--tls-verify=false", `docker://${dest}`]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal(JSON.parse(inspect.stdout).Digest, digest);
    assert.equal(podman.run(["pull", "-q", "--tls-verify=false", dest]).code, 0);
    const run = podman.run(["run", "--rm", dest]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "hello from skiff\nbuilt\n");
    const again = sk(env, ["push", "localhost/app:1", dest], { timeoutMs: 120000 });
    assert.equal(again.code, 0, again.stderr);
    const layers = JSON.parse(inspect.stdout).Layers.length;
    assert.equal(again.stderr.match(/skipped: already exists/g)?.length, layers + 1, again.stderr);
    assert.doesNotMatch(again.stderr, /: done/);
  });

  it("mounts a blob from another repository of the registry instead of uploading it, and keeps pulled layers' digests", () => {
    // pulled from one repository, pushed to another: the same compressed blobs, mounted
    const fresh = containerEnv();
    const src = `${reg.host}/team/app:1`;
    assert.equal(sk(fresh, ["pull", "-q", src], { timeoutMs: 120000 }).code, 0);
    const dest = `${reg.host}/elsewhere/copy:1`;
    const r = sk(fresh, ["push", src, dest], { timeoutMs: 120000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /skipped: mounted from team\/app/);
    assert.doesNotMatch(r.stderr, /: done/);
    const a = JSON.parse(skopeo(["inspect", "--tls-verify=false", `docker://${src}`]).stdout);
    const b = JSON.parse(skopeo(["inspect", "--tls-verify=false", `docker://${dest}`]).stdout);
    assert.deepEqual(b.Layers, a.Layers);
    assert.equal(b.Digest, a.Digest, "the manifest's own bytes were sent: the same digest");
  });

  it("pushes with Basic credentials and Bearer tokens (pull,push scope), and fails in one line without them", async () => {
    const denied = sk(env, ["push", "localhost/app:1", `${basic.host}/private/app:1`], { timeoutMs: 60000 });
    assert.equal(denied.code, 125);
    assert.equal(denied.stderr.trim().split("\n").filter((l) => l.startsWith("Error")).length, 1, denied.stderr);
    assert.match(denied.stderr, /HTTP 401/);
    const creds = join(work, "creds");
    writeFileSync(creds, "alice:s3cret\n", { mode: 0o600 });
    const ok = sk(env, ["push", "--creds-file", creds, "localhost/app:1", `${basic.host}/private/app:1`], { timeoutMs: 120000 });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(skopeo(["inspect", "--tls-verify=false", "--creds", "alice:s3cret", `docker://${basic.host}/private/app:1`]).code, 0);
    // the token server runs in this process: skiff must not block it
    const viaToken = await skiffAsync(["push", "--creds", "bob", "localhost/app:1", `${token.host}/private/app:1`], { env, input: "hunter2\n", timeoutMs: 120000 });
    assert.equal(viaToken.code, 0, viaToken.stderr);
  });

  it("a push killed half way completes when run again", async () => {
    const ctx = makeContext({ Containerfile: "FROM bb\nRUN head -c 40000000 /dev/urandom > /big\n" });
    const b = sk(env, ["build", "--network", "none", "-q", "-t", "localhost/big:1", ctx], { timeoutMs: 180000 });
    assert.equal(b.code, 0, b.stderr);
    const dest = `${reg.host}/team/big:1`;
    const child = spawn(BIN, ["push", "localhost/big:1", dest], { env, stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 400));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const again = sk(env, ["push", "localhost/big:1", dest], { timeoutMs: 180000 });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(podman.run(["pull", "-q", "--tls-verify=false", dest], { timeoutMs: 120000 }).code, 0);
    const run = podman.run(["run", "--rm", dest, "sh", "-c", "wc -c < /big"]);
    assert.equal(run.stdout.trim(), "40000000");
    // pulled, its 40 MB layer is stored compressed: to another registry it goes in 32 MiB chunks
    const fresh = containerEnv();
    assert.equal(sk(fresh, ["pull", "-q", dest], { timeoutMs: 120000 }).code, 0);
    const other = await startRegistry();
    try {
      const copy = `${other.host}/chunked/big:1`;
      const r = sk(fresh, ["push", dest, copy], { timeoutMs: 180000 });
      assert.equal(r.code, 0, r.stderr);
      const a = JSON.parse(skopeo(["inspect", "--tls-verify=false", `docker://${dest}`]).stdout);
      const b = JSON.parse(skopeo(["inspect", "--tls-verify=false", `docker://${copy}`]).stdout);
      assert.deepEqual(b.Layers, a.Layers, "the same compressed blobs");
      const raw = JSON.parse(skopeo(["inspect", "--tls-verify=false", "--raw", `docker://${copy}`]).stdout);
      assert.ok(raw.layers.some((l: { size: number }) => l.size > 32 << 20), "a layer larger than one chunk");
      assert.equal(podman.run(["pull", "-q", "--tls-verify=false", copy], { timeoutMs: 120000 }).code, 0);
      assert.equal(podman.run(["run", "--rm", copy, "sh", "-c", "wc -c < /big"]).stdout.trim(), "40000000");
    } finally {
      await other.stop();
    }
  });

  it("to oci:, oci-archive: and docker-archive: destinations skopeo and podman read", () => {
    const layout = join(work, "layout");
    assert.equal(sk(env, ["push", "localhost/app:1", `oci:${layout}:app`]).code, 0);
    assert.equal(skopeo(["inspect", `oci:${layout}:app`]).code, 0);
    const ociArchive = join(work, "app-oci.tar");
    assert.equal(sk(env, ["push", "localhost/app:1", `oci-archive:${ociArchive}:localhost/app:1`]).code, 0);
    assert.equal(skopeo(["inspect", `oci-archive:${ociArchive}`]).code, 0);
    const dockerArchive = join(work, "app-docker.tar");
    assert.equal(sk(env, ["push", "localhost/app:1", `docker-archive:${dockerArchive}:localhost/app:archived`]).code, 0);
    assert.equal(podman.run(["load", "-q", "-i", dockerArchive]).code, 0);
    assert.equal(podman.run(["run", "--rm", "localhost/app:archived"]).stdout, "hello from skiff\nbuilt\n");
    assert.equal(existsSync(`${dockerArchive}.tmp`), false);
  });

  it("refuses what it cannot do in one line: zstd, signing, an unqualified destination, an unknown image", () => {
    for (const [args, msg] of [
      [["push", "--compression-format", "zstd", "localhost/app:1", `${reg.host}/x/y:1`], /zstd/],
      [["push", "--sign-by", "KEY", "localhost/app:1", `${reg.host}/x/y:1`], /does not sign/],
      [["push", "localhost/app:1", "justaname"], /give the registry/],
      [["push", "nope:1", `${reg.host}/x/y:1`], /nope:1: image not known/],
    ] as [string[], RegExp][]) {
      const r = sk(env, args);
      assert.equal(r.code, 125, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  });
});

describe("manifest lists", { skip: isRoot ? false : "needs root (build, mounts)" }, () => {
  let reg: Registry;
  const env = isRoot ? containerEnv() : {};
  before(async () => {
    if (!isRoot) return;
    reg = await startRegistry();
  });
  after(async () => { await reg?.stop(); });

  it("create, add, annotate, inspect, exists, rm, build --manifest, and push with every instance", () => {
    const ctx = makeContext({ Containerfile: "FROM bb\nRUN echo one > /v\n" });
    const ctx2 = makeContext({ Containerfile: "FROM bb\nRUN echo two > /v\n" });
    assert.equal(sk(env, ["build", "--network", "none", "-q", "-t", "localhost/one:1", ctx], { timeoutMs: 120000 }).code, 0);
    const made = sk(env, ["manifest", "create", "localhost/multi:1", "localhost/one:1"]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^[0-9a-f]{64}\n$/);
    assert.equal(sk(env, ["manifest", "exists", "localhost/multi:1"]).code, 0);
    assert.equal(sk(env, ["manifest", "exists", "localhost/none:1"]).code, 1);
    // a second image joins from build, then its platform is said to be arm64
    const b = sk(env, ["build", "--network", "none", "-q", "--manifest", "localhost/multi:1", ctx2], { timeoutMs: 120000 });
    assert.equal(b.code, 0, b.stderr);
    const second = JSON.parse(sk(env, ["image", "inspect", b.stdout.trim()]).stdout)[0].Digest as string;
    assert.equal(sk(env, ["manifest", "annotate", "--arch", "arm64", "--variant", "v8", "--annotation", "k=v", "localhost/multi:1", second]).code, 0);
    const index = JSON.parse(sk(env, ["manifest", "inspect", "localhost/multi:1"]).stdout);
    assert.equal(index.manifests.length, 2);
    assert.deepEqual(index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture).sort(), ["amd64", "arm64"]);
    assert.equal(sk(env, ["images", "--format", "{{.Repository}}"]).stdout.includes("localhost/multi"), false, "a list is not an image");
    const dest = `${reg.host}/lists/multi:1`;
    const p = sk(env, ["manifest", "push", "localhost/multi:1", dest], { timeoutMs: 120000 });
    assert.equal(p.code, 0, p.stderr);
    const raw = JSON.parse(skopeo(["inspect", "--tls-verify=false", "--raw", `docker://${dest}`]).stdout);
    assert.equal(raw.mediaType, "application/vnd.oci.image.index.v1+json");
    assert.equal(raw.manifests.length, 2);
    for (const m of raw.manifests) assert.equal(skopeo(["inspect", "--tls-verify=false", "--raw", `docker://${reg.host}/lists/multi@${m.digest}`]).code, 0);
    const arm = skopeo(["inspect", "--tls-verify=false", "--override-arch", "arm64", "--override-variant", "v8", `docker://${dest}`]);
    assert.equal(arm.code, 0, arm.stderr);
    const rm = sk(env, ["manifest", "rm", "localhost/multi:1"]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, /^Untagged: localhost\/multi:1\nDeleted: [0-9a-f]{64}\n$/);
    assert.equal(sk(env, ["manifest", "rm", "localhost/multi:1"]).code, 1);
    assert.equal(sk(env, ["image", "inspect", "localhost/one:1"]).code, 0, "the images stay");
  });
});
