/** save and load: docker-archive and oci-archive, between skiff, podman and skopeo, both ways. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildImage, busyboxEntries, type TestImage } from "../helpers/image.js";
import { pushImage, startRegistry, type Registry } from "../helpers/registry.js";
import { describeTree } from "../helpers/tree.js";
import { makeTar } from "../helpers/tar.js";
import { BIN, isolatedEnv, requiresRoot, skiff } from "../helpers/skiff.js";

const work = mkdtempSync(join(tmpdir(), "skiff-saveload-"));
let podmanRoot = 0;
function podman(args: string[]) {
  const root = join(work, `podman-${podmanRoot}`);
  return spawnSync("podman", ["--root", join(root, "root"), "--runroot", join(root, "run"), ...args], { encoding: "utf8", env: { ...process.env, CONTAINERS_CONF: join(process.cwd(), "bench", "containers.conf") } });
}

describe("save and load", () => {
  let reg: Registry;
  let one: TestImage, two: TestImage;
  let A: string, B: string;
  before(async () => {
    reg = await startRegistry();
    one = buildImage();
    two = buildImage({ layers: [busyboxEntries(), [{ name: "etc/two", content: "2\n" }]], compression: ["gzip", "zstd"] });
    await pushImage(reg, "sl/one", "v1", one);
    await pushImage(reg, "sl/two", "v2", two);
    A = `${reg.host}/sl/one:v1`;
    B = `${reg.host}/sl/two:v2`;
  });
  after(async () => { await reg?.stop(); });

  const pulled = () => {
    const env = isolatedEnv();
    for (const n of [A, B]) assert.equal(skiff(["pull", "-q", n], { env }).code, 0);
    return env;
  };
  const tree = (env: NodeJS.ProcessEnv, diffId: string) => describeTree(join(env.SKIFF_ROOT!, "snapshots", diffId.slice(7), "fs"));

  for (const format of ["docker-archive", "oci-archive"]) {
    it(`round-trips several images through a ${format}`, (t) => {
      if (!requiresRoot(t)) return;
      const src = pulled();
      const file = join(work, `both.${format}.tar`);
      const s = skiff(["save", "--format", format, "-o", file, A, B], { env: src });
      assert.deepEqual([s.code, s.stdout], [0, ""], s.stderr);
      const dst = isolatedEnv();
      const l = skiff(["load", "-i", file], { env: dst });
      assert.equal(l.code, 0, l.stderr);
      assert.equal(l.stdout, `Loaded image: ${A}\nLoaded image: ${B}\n`);
      for (const [name, img] of [[A, one], [B, two]] as const) {
        const [i] = JSON.parse(skiff(["image", "inspect", name], { env: dst }).stdout);
        assert.equal(i.Id, img.config.digest.slice(7));
        assert.deepEqual(i.RepoTags, [name]);
      }
      assert.deepEqual(tree(dst, two.diffIds[0]), tree(src, two.diffIds[0]));
      assert.ok(existsSync(join(dst.SKIFF_ROOT!, "snapshots")));
    });
  }

  it("writes docker-archives as docker save does, readable by skopeo", (t) => {
    if (!requiresRoot(t)) return;
    const src = pulled();
    const file = join(work, "two.tar");
    assert.equal(skiff(["save", "-o", file, B], { env: src }).code, 0);
    const names = execFileSync("tar", ["-tf", file], { encoding: "utf8" }).trim().split("\n").sort();
    assert.deepEqual(names, [`${two.config.digest.slice(7)}.json`, ...two.diffIds.map((d) => `${d.slice(7)}.tar`), "manifest.json"].sort());
    const sk = JSON.parse(execFileSync("skopeo", ["inspect", `docker-archive:${file}`], { encoding: "utf8" }));
    assert.deepEqual(sk.Layers, two.diffIds, "uncompressed layers, named by diffID");
  });

  it("hands images to podman and takes them back", (t) => {
    if (!requiresRoot(t)) return;
    const src = pulled();
    const file = join(work, "to-podman.tar");
    assert.equal(skiff(["save", "-o", file, B], { env: src }).code, 0);
    podmanRoot++;
    const pl = podman(["load", "-i", file]);
    assert.equal(pl.status, 0, pl.stderr);
    assert.match(pl.stdout, new RegExp(`Loaded image: ${B.replace(/[.]/g, "\\.")}`));
    const ids = podman(["images", "--format", "{{.ID}}", "--no-trunc"]).stdout.trim();
    assert.equal(ids, two.config.digest);
    for (const format of ["docker-archive", "oci-archive"]) {
      const back = join(work, `from-podman.${format}.tar`);
      const ps = podman(["save", "--format", format, "-o", back, B]);
      assert.equal(ps.status, 0, ps.stderr);
      const dst = isolatedEnv();
      const l = skiff(["load", "-i", back], { env: dst });
      assert.equal(l.code, 0, l.stderr);
      assert.equal(l.stdout, `Loaded image: ${B}\n`, format);
      const [i] = JSON.parse(skiff(["image", "inspect", B], { env: dst }).stdout);
      // podman rewrites the config when it saves, so the ID is that of the config in its archive
      const raw = JSON.parse(execFileSync("skopeo", ["inspect", "--raw", `${format}:${back}`], { encoding: "utf8" }));
      assert.equal(i.Id, raw.config.digest.slice(7));
      assert.deepEqual(i.RootFS.Layers, two.diffIds);
      assert.deepEqual(tree(dst, two.diffIds[0]), tree(src, two.diffIds[0]));
    }
  });

  it("loads a compressed archive from stdin, and skopeo's oci-archive", (t) => {
    if (!requiresRoot(t)) return;
    const file = join(work, "skopeo.oci.tar");
    execFileSync("skopeo", ["copy", "-q", "--src-tls-verify=false", `docker://${A}`, `oci-archive:${file}:${A}`]);
    const dst = isolatedEnv();
    const r = spawnSync("bash", ["-c", `gzip -c '${file}' | '${BIN}' load`], { env: dst, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `Loaded image: ${A}\n`);
  });

  it("refuses bad archives with one line and loads nothing", (t) => {
    if (!requiresRoot(t)) return;
    const dst = isolatedEnv();
    const cases: [Buffer, RegExp][] = [
      [makeTar([{ name: "hello.txt", content: "hi" }]), /^Error: payload does not match any of the supported image formats/],
      [makeTar([{ name: "../../escape", content: "x" }]), /^Error: path "\.\.\/\.\.\/escape" escapes the image root/],
      [makeTar([{ name: "manifest.json", content: '[{"Config":"c.json","RepoTags":["x:1"],"Layers":["l.tar"]}]' }, { name: "c.json", content: JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [`sha256:${"1".repeat(64)}`] } }) }, { name: "l.tar", content: makeTar([{ name: "f", content: "f" }]) }]), /has digest sha256:[0-9a-f]{64}, the config says sha256:1{64}/],
      [Buffer.from("not an archive at all".repeat(50)), /^Error: read tar: invalid header checksum/],
      // an attack: a digest that walks out of the archive to a host file, to have it linked into the store
      [makeTar([{ name: "oci-layout", content: '{"imageLayoutVersion":"1.0.0"}' }, { name: "index.json", content: JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:../../../../../../etc/shadow", size: 10 }] }) }]), /^Error: load: invalid digest/],
      [makeTar([{ name: "oci-layout", content: '{"imageLayoutVersion":"1.0.0"}' }, { name: "index.json", content: "null" }]), /^Error: load: index.json has no list of manifests/],
      [makeTar([{ name: "manifest.json", content: "null" }]), /^Error: load: manifest.json is not a list/],
      [makeTar([{ name: "manifest.json", content: '[{"Config":"c.json"}]' }]), /^Error: load: manifest.json is not a list/],
      [makeTar([{ name: "manifest.json", content: "[]" }, { name: "manifest.json", content: "[]" }]), /^Error: load: invalid archive/],
      [makeTar([{ name: "manifest.json", content: '[{"Config":"c.json","Layers":["l.tar"]}]' }]).subarray(0, 700), /^Error: /],
    ];
    const shadowLinks = statSync("/etc/shadow").nlink;
    for (const [data, want] of cases) {
      const f = join(work, `bad-${Math.random()}.tar`);
      writeFileSync(f, data);
      const r = skiff(["load", "-i", f], { env: dst });
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.split("\n").length, 2);
    }
    assert.equal(skiff(["images", "-q"], { env: dst }).stdout, "");
    assert.equal(statSync("/etc/shadow").nlink, shadowLinks, "no host file was linked");
    const missing = skiff(["load", "-i", join(work, "nope.tar")], { env: dst });
    assert.deepEqual([missing.code, missing.stderr], [125, `Error: load ${join(work, "nope.tar")}: no such file\n`]);
  });
});
