/** tag, rmi and image prune, and the garbage collection behind them. */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildImage, busyboxEntries, type TestImage } from "../helpers/image.js";
import { pushImage, startRegistry, type Registry } from "../helpers/registry.js";
import { isolatedEnv, requiresRoot, skiff } from "../helpers/skiff.js";

describe("tag, rmi, image prune", () => {
  let reg: Registry;
  let base: TestImage, two: TestImage;
  before(async () => {
    reg = await startRegistry();
    base = buildImage();
    two = buildImage({ layers: [busyboxEntries(), [{ name: "two", content: "2" }]] });
    await pushImage(reg, "t/base", "latest", base);
    await pushImage(reg, "t/two", "latest", two);
  });
  after(async () => { await reg?.stop(); });

  const blobs = (env: NodeJS.ProcessEnv) => readdirSync(join(env.SKIFF_ROOT!, "blobs", "sha256")).sort();
  const snapshots = (env: NodeJS.ProcessEnv) => readdirSync(join(env.SKIFF_ROOT!, "snapshots")).sort();

  it("untags one of several names, then deletes the image and only what nothing else uses", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const b = `${reg.host}/t/base:latest`, w = `${reg.host}/t/two:latest`;
    for (const n of [b, w]) assert.equal(skiff(["pull", "-q", n], { env }).code, 0);
    assert.deepEqual(skiff(["tag", b, "mine", "other/x:1"], { env }), { code: 0, stdout: "", stderr: "" });
    const names = JSON.parse(skiff(["image", "inspect", "mine"], { env }).stdout)[0].RepoTags.sort();
    assert.deepEqual(names, [b, "localhost/mine:latest", "localhost/other/x:1"].sort());

    assert.deepEqual(skiff(["rmi", "mine"], { env }), { code: 0, stdout: "Untagged: localhost/mine:latest\n", stderr: "" });
    assert.equal(skiff(["image", "exists", b], { env }).code, 0, "the image keeps its other names");

    // by ID, an image with several names goes only with -f (podman's rule and message)
    const refused = skiff(["rmi", base.config.digest.slice(7, 19)], { env });
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /^Error: unable to delete image "[0-9a-f]{64}" by ID with more than one tag \(\[.*\]\): please force removal\n$/);
    const r = skiff(["rmi", "-f", base.config.digest.slice(7, 19)], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split("\n").sort(), [`Deleted: ${base.config.digest.slice(7)}`, `Untagged: ${b}`, "Untagged: localhost/other/x:1"].sort());
    assert.match(r.stdout, /^Untagged: [^\n]+\nUntagged: [^\n]+\nDeleted: /, "names first, then the ID");
    assert.equal(skiff(["image", "exists", b], { env }).code, 1);
    // the base layer is shared with t/two: its blob and snapshot stay; base's own manifest and config go
    assert.ok(blobs(env).includes(two.layers[0].digest.slice(7)));
    assert.ok(!blobs(env).includes(base.config.digest.slice(7)));
    assert.ok(!blobs(env).includes(base.manifest.digest.slice(7)));
    assert.equal(snapshots(env).length, 2);

    assert.equal(skiff(["rmi", w], { env }).code, 0);
    assert.deepEqual(blobs(env), []);
    assert.deepEqual(snapshots(env), []);
    assert.equal(skiff(["images", "-q"], { env }).stdout, "");
  });

  it("exits 1 for an image that does not exist, 0 with --ignore", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    assert.deepEqual(skiff(["rmi", "ghost"], { env }), { code: 1, stdout: "", stderr: "Error: ghost: image not known\n" });
    assert.deepEqual(skiff(["rmi", "-i", "ghost"], { env }), { code: 0, stdout: "", stderr: "" });
    assert.equal(skiff(["rmi"], { env }).code, 125);
  });

  it("prunes dangling images, and everything with --all", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    assert.equal(skiff(["pull", "-q", `${reg.host}/t/base@${base.manifest.digest}`], { env }).code, 0);
    assert.equal(skiff(["pull", "-q", `${reg.host}/t/two`], { env }).code, 0);
    const dangling = JSON.parse(skiff(["images", "--format", "json", "--filter", "dangling=true"], { env }).stdout);
    assert.deepEqual(dangling.map((i: { Id: string }) => i.Id), [base.config.digest.slice(7)]);
    assert.equal(skiff(["image", "prune", "-f"], { env }).stdout, `${base.config.digest.slice(7)}\n`);
    assert.equal(skiff(["images", "-q"], { env }).stdout, `${two.config.digest.slice(7, 19)}\n`);
    assert.equal(skiff(["image", "prune", "-a", "-f"], { env }).stdout, `${two.config.digest.slice(7)}\n`);
    assert.deepEqual(blobs(env), []);
    assert.ok(existsSync(join(env.SKIFF_ROOT!, "index.json")));
  });

  it("reports disk usage with shared layers counted once", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    for (const n of ["t/base", "t/two"]) skiff(["pull", "-q", `${reg.host}/${n}`], { env });
    const sizes = snapshots(env).map((s) => JSON.parse(readFileSync(join(env.SKIFF_ROOT!, "snapshots", s, "info.json"), "utf8")).size as number);
    assert.equal(sizes.length, 2, "two images, two distinct layers");
    const [images, containers] = JSON.parse(skiff(["system", "df", "--format", "json"], { env }).stdout);
    assert.deepEqual([images.Type, images.Total, images.Active, images.RawSize], ["Images", 2, 0, sizes[0] + sizes[1]]);
    assert.equal(containers.Total, 0);
    assert.match(skiff(["system", "df"], { env }).stdout, /^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE\nImages +2 +0 +[\d.]+ MB +[\d.]+ MB \(100%\)\n/);
  });

  it("sorts images by repository, tag, size and ID", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    for (const n of ["t/two", "t/base"]) skiff(["pull", "-q", `${reg.host}/${n}`], { env });
    assert.equal(skiff(["tag", `${reg.host}/t/two`, "aaa/first:zz"], { env }).code, 0);
    const col = (sort: string, field: string) => skiff(["images", "--sort", sort, "--format", `{{.${field}}}`], { env }).stdout.trim().split("\n");
    assert.deepEqual(col("repository", "Repository"), [`${reg.host}/t/base`, `${reg.host}/t/two`, "localhost/aaa/first"]);
    assert.deepEqual(col("tag", "Tag"), ["latest", "latest", "zz"]);
    const ids = col("id", "Id");
    assert.deepEqual(ids, [...ids].sort());
    assert.equal(col("size", "Repository").at(-1), `${reg.host}/t/base`, "the one-layer image is the smallest");
    assert.equal(skiff(["images", "--sort", "name"], { env }).code, 125);
  });

  it("rmi --all removes every image", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    for (const n of ["t/base", "t/two"]) skiff(["pull", "-q", `${reg.host}/${n}`], { env });
    const r = skiff(["rmi", "-a"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.match(/^Deleted: /gm) ?? []).length, 2);
    assert.deepEqual(snapshots(env), []);
  });
});
