/** `skiff pull` against a real registry, then `images`, `image inspect` and `image exists`. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildImage, chainOf, buildIndex, busyboxEntries, sha256, type TestImage } from "../helpers/image.js";
import { pushImage, pushIndex, startRegistry, type Registry } from "../helpers/registry.js";
import { describeTree } from "../helpers/tree.js";
import { BIN, isolatedEnv, requiresRoot, skiff } from "../helpers/skiff.js";
import { makeTar, type TarEntry } from "../helpers/tar.js";

const snapshotDir = (env: NodeJS.ProcessEnv, chainId: string) => join(env.SKIFF_ROOT!, "snapshots", chainId.slice(7), "fs");

const EXTRA: TarEntry[] = [
  { name: "etc/motd", content: "welcome\n" },
  { name: "tmp/.wh..wh..opq", content: "" },
  { name: "etc/.wh.group", content: "" },
  { name: "usr/share/", type: "dir", mode: 0o750, uid: 2, gid: 3, mtime: 1600000000 },
];

describe("pull", () => {
  let reg: Registry;
  let busybox: TestImage;
  before(async () => {
    reg = await startRegistry();
    busybox = buildImage();
    await pushImage(reg, "library/busybox", "latest", busybox);
  });
  after(async () => { await reg?.stop(); });

  it("pulls, verifies and unpacks an image exactly, and prints its ID", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const r = skiff(["pull", `${reg.host}/library/busybox`], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${busybox.config.digest.slice(7)}\n`);
    assert.match(r.stderr, /Copying blob [0-9a-f]{12}: done/);
    // the snapshot is the layer, entry by entry, as GNU tar extracts it
    const ref = mkdtempSync(join(tmpdir(), "skiff-ref-"));
    writeFileSync(join(ref, "layer.tar"), makeTar(busyboxEntries()));
    mkdirSync(join(ref, "fs"));
    execFileSync("tar", ["--numeric-owner", "-xpf", join(ref, "layer.tar"), "-C", join(ref, "fs")]);
    assert.deepEqual(describeTree(snapshotDir(env, busybox.diffIds[0])), describeTree(join(ref, "fs")));
  });

  it("draws progress bars on a terminal and plain lines elsewhere", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv({ COLUMNS: "100" });
    // script(1) gives the pull a real pseudo-terminal
    const r = execFileSync("script", ["-qec", `'${BIN}' pull ${reg.host}/library/busybox`, "/dev/null"], { env, encoding: "utf8" });
    assert.match(r, /\x1b\[2K/, "redraws lines in place");
    assert.match(r, /Copying blob [0-9a-f]{12} (\[[= ]+\] [\d.]+ \w+|done)/);
    assert.doesNotMatch(r, /: started/, "no plain event lines on a terminal");
    const plain = skiff(["pull", `${reg.host}/library/busybox`], { env: isolatedEnv() });
    assert.doesNotMatch(plain.stderr, /\x1b\[/, "no escape codes off a terminal");
    assert.match(plain.stderr, /^Copying blob [0-9a-f]{12}: started\nCopying blob [0-9a-f]{12}: done\n$/);
  });

  it("lists, inspects and finds pulled images as podman does", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    assert.equal(skiff(["pull", "-q", `${reg.host}/library/busybox:latest`], { env }).code, 0);
    const name = `${reg.host}/library/busybox:latest`;
    const table = skiff(["images"], { env }).stdout.split("\n");
    assert.match(table[0], /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    assert.match(table[1], new RegExp(`^${reg.host}/library/busybox +latest +${busybox.config.digest.slice(7, 19)} +\\d+ \\w+ ago +[\\d.]+ MB$`));
    assert.equal(skiff(["images", "-q"], { env }).stdout, `${busybox.config.digest.slice(7, 19)}\n`);
    const json = JSON.parse(skiff(["images", "--format", "json"], { env }).stdout);
    assert.deepEqual(json[0].Names, [name]);
    assert.deepEqual(json[0].RepoDigests, [`${reg.host}/library/busybox@${busybox.manifest.digest}`]);
    const [inspected] = JSON.parse(skiff(["image", "inspect", name], { env }).stdout);
    assert.equal(inspected.Id, busybox.config.digest.slice(7));
    assert.deepEqual(inspected.RootFS, { Type: "layers", Layers: busybox.diffIds });
    assert.equal(inspected.Os, "linux");
    assert.deepEqual(inspected.Config.Cmd, ["sh"]);
    const byId = skiff(["image", "inspect", "--format", "{{.Id}} {{index .RepoTags 0}}", busybox.config.digest.slice(7, 15)], { env });
    assert.equal(byId.stdout, `${busybox.config.digest.slice(7)} ${name}\n`);
    assert.equal(skiff(["image", "exists", name], { env }).code, 0);
    assert.equal(skiff(["image", "exists", `${reg.host}/library/nothing`], { env }).code, 1);
    const missing = skiff(["image", "inspect", "nothing-here"], { env });
    assert.deepEqual([missing.code, missing.stderr], [125, "Error: inspecting object: nothing-here: image not known\n"]);
    // other tools read the store: it is an OCI image layout
    const sk = JSON.parse(execFileSync("skopeo", ["inspect", `oci:${env.SKIFF_ROOT}:${name}`], { encoding: "utf8" }));
    assert.deepEqual(sk.Layers, busybox.layers.map((l) => l.digest));
  });

  it("unpacks shared layers once and only the new ones for a second image", async (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const two = buildImage({ layers: [busyboxEntries(), EXTRA] });
    await pushImage(reg, "tools/two", "v1", two);
    assert.equal(skiff(["pull", `${reg.host}/library/busybox`], { env }).code, 0);
    const before = lstatSync(snapshotDir(env, busybox.diffIds[0])).ino;
    const r = skiff(["pull", `${reg.host}/tools/two:v1`], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`Copying blob ${two.layers[0].digest.slice(7, 19)}: skipped: already exists`));
    assert.equal(r.stderr.match(/: started/g)?.length, 1, "downloads only the new layer");
    assert.equal(lstatSync(snapshotDir(env, busybox.diffIds[0])).ino, before, "the base snapshot is reused, not rebuilt");
    const upper = snapshotDir(env, chainOf(two.diffIds)[1]);
    assert.deepEqual(readdirSync(join(env.SKIFF_ROOT!, "snapshots")).filter((n) => !n.startsWith(".")).length, 2);
    assert.equal(readFileSync(join(upper, "etc/motd"), "utf8"), "welcome\n");
    assert.ok(lstatSync(join(upper, "etc/group")).isCharacterDevice(), "whiteouts are overlay whiteouts");
    assert.equal(execFileSync("getfattr", ["--absolute-names", "--only-values", "-n", "trusted.overlay.opaque", join(upper, "tmp")], { encoding: "utf8" }), "y");
    assert.equal(skiff(["images", "-q"], { env }).stdout.trim().split("\n").length, 2);
  });

  for (const [label, opts] of [
    ["zstd", { compression: "zstd" }],
    ["uncompressed", { compression: "none" }],
    ["mixed compression", { compression: ["zstd", "gzip"], layers: [busyboxEntries(), EXTRA] }],
    ["Docker schema 2", { docker: true }],
    ["Docker schema 2 with an uncompressed layer", { docker: true, compression: "none" }],
  ] as const) {
    it(`pulls ${label} images`, async (t) => {
      if (!requiresRoot(t)) return;
      const env = isolatedEnv();
      const img = buildImage(opts as Parameters<typeof buildImage>[0]);
      const repo = `kinds/${label.toLowerCase().replace(/\W+/g, "-")}`;
      await pushImage(reg, repo, "t", img);
      const r = skiff(["pull", "-q", `${reg.host}/${repo}:t`], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), img.config.digest.slice(7));
      assert.ok(lstatSync(join(snapshotDir(env, img.diffIds[0]), "bin/busybox")).isFile());
    });
  }

  it("chooses the platform from a multi-arch index, with --platform and variant fallback", async (t) => {
    if (!requiresRoot(t)) return;
    const arch = (a: string, v?: string) => buildImage({ architecture: a, variant: v, layers: [[{ name: "arch", content: `${a}${v ? `/${v}` : ""}` }]] });
    const host = process.arch === "x64" ? "amd64" : process.arch;
    const images = { host: arch(host), arm64: arch("arm64", "v8"), v6: arch("arm", "v6") };
    const index = buildIndex([
      { image: images.host, platform: { os: "linux", architecture: host } },
      { image: images.arm64, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
      { image: images.v6, platform: { os: "linux", architecture: "arm", variant: "v6" } },
    ]);
    await pushIndex(reg, "multi/arch", "latest", index, Object.values(images));
    const pulled = (args: string[]) => {
      const env = isolatedEnv();
      const r = skiff(["pull", "-q", ...args, `${reg.host}/multi/arch`], { env });
      return { r, env };
    };
    const content = (env: NodeJS.ProcessEnv, img: TestImage) => readFileSync(join(snapshotDir(env, img.diffIds[0]), "arch"), "utf8");
    const def = pulled([]);
    assert.equal(def.r.stdout.trim(), images.host.config.digest.slice(7));
    assert.equal(content(def.env, images.host), host);
    const arm = pulled(["--platform", "linux/arm64"]);
    assert.equal(content(arm.env, images.arm64), "arm64/v8");
    const v7 = pulled(["--platform", "linux/arm/v7"]);
    assert.equal(v7.r.code, 0, v7.r.stderr);
    assert.equal(content(v7.env, images.v6), "arm/v6", "arm/v7 falls back to v6");
    const v5 = pulled(["--arch", "arm", "--variant", "v5"]);
    assert.equal(v5.r.code, 125);
    assert.match(v5.r.stderr, /^Error: .*multi\/arch:latest has no image for linux\/arm\/v5 \(it has linux\/\w+, linux\/arm64, linux\/arm\/v6; choose one with --platform\)\n$/);
    // RepoDigests carry the index digest the name resolved to
    const [inspected] = JSON.parse(skiff(["image", "inspect", `${reg.host}/multi/arch`], { env: def.env }).stdout);
    assert.ok(inspected.RepoDigests.includes(`${reg.host}/multi/arch@${index.digest}`));
  });

  it("resolves short names through the configured search registries, without prompting", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    writeFileSync(env.SKIFF_CONFIG!, `[registries]\nunqualified_search = ["${reg.host}"]\n`);
    const r = skiff(["pull", "-q", "library/busybox"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(skiff(["image", "exists", "library/busybox"], { env }).code, 0);
  });

  it("pulls through a configured mirror, keeping the canonical name", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    // the primary does not exist: only the mirror can serve the image
    writeFileSync(env.SKIFF_CONFIG!, `[registries]\n[registries.mirrors]\n"primary.invalid:5000" = ["127.0.0.1:1", "${reg.host}"]\n`);
    const r = skiff(["pull", "-q", "--retry", "0", "primary.invalid:5000/library/busybox"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), busybox.config.digest.slice(7));
    assert.deepEqual(JSON.parse(skiff(["image", "inspect", "primary.invalid:5000/library/busybox"], { env }).stdout)[0].RepoTags, ["primary.invalid:5000/library/busybox:latest"]);
  });

  it("refuses a layer that reaches outside its root, with the reason and nothing left behind", async (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const evil = buildImage({ layers: [[{ name: "ok", content: "fine" }, { name: "../../../../tmp/skiff-pwned", content: "x" }]] });
    await pushImage(reg, "bad/escape", "t", evil);
    const r = skiff(["pull", `${reg.host}/bad/escape:t`], { env });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^Error: path "\.\.\/\.\.\/\.\.\/\.\.\/tmp\/skiff-pwned" escapes the image root\n$/m);
    assert.ok(!existsSync("/tmp/skiff-pwned"));
    assert.deepEqual(readdirSync(join(env.SKIFF_ROOT!, "snapshots")), []);
    assert.equal(skiff(["images", "-q"], { env }).stdout, "");
  });

  it("refuses an image whose layers do not match its config, leaving nothing behind", async (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const liar = buildImage({ diffIds: [sha256("something else")] });
    await pushImage(reg, "bad/diffid", "t", liar);
    const r = skiff(["pull", `${reg.host}/bad/diffid:t`], { env });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /Error: layer sha256:[0-9a-f]{64}: uncompressed digest sha256:[0-9a-f]{64} is not the config's sha256:[0-9a-f]{64}\n$/);
    assert.deepEqual(readdirSync(join(env.SKIFF_ROOT!, "snapshots")), [], "no snapshot, not even a temp one");
    assert.equal(skiff(["images", "-q"], { env }).stdout, "", "no image recorded");
  });

  it("fails clearly for unknown images and bad names", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const missing = skiff(["pull", `${reg.host}/library/nothing`], { env });
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /^Error: fetch manifest 127\.0\.0\.1:\d+\/library\/nothing:latest: HTTP 404/);
    const bad = skiff(["pull", "BusyBox"], { env });
    assert.deepEqual([bad.code, bad.stderr], [125, 'Error: invalid reference "BusyBox": repository names must be lowercase\n']);
  });
});
