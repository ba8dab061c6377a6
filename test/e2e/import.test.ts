/** `skiff import`: a rootfs tarball from a file or stdin becomes an image, exactly. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { busyboxEntries } from "../helpers/image.js";
import { makeTar } from "../helpers/tar.js";
import { describeTree } from "../helpers/tree.js";
import { BIN, isolatedEnv, requiresRoot, skiff } from "../helpers/skiff.js";

const work = mkdtempSync(join(tmpdir(), "skiff-import-"));
const tarball = join(work, "rootfs.tar");
writeFileSync(tarball, makeTar(busyboxEntries()));
const reference = join(work, "ref");
mkdirSync(reference);
execFileSync("tar", ["--numeric-owner", "-xpf", tarball, "-C", reference]);

function snapshotOf(env: NodeJS.ProcessEnv, name: string): string {
  const [img] = JSON.parse(skiff(["image", "inspect", name], { env }).stdout);
  return join(env.SKIFF_ROOT!, "snapshots", img.RootFS.Layers[0].slice(7), "fs");
}

describe("import", () => {
  for (const [label, compress] of [["plain", []], ["gzip", ["gzip", "-c"]], ["zstd", ["zstd", "-q", "-c"]]] as const) {
    it(`imports a ${label} tarball from stdin with a name and changes`, (t) => {
      if (!requiresRoot(t)) return;
      const env = isolatedEnv();
      const pipe = compress.length ? `${compress.join(" ")} '${tarball}' | ` : `cat '${tarball}' | `;
      const r = spawnSync("bash", ["-c", `${pipe}'${BIN}' import --change 'CMD ["sh", "-c", "echo hi"]' --change 'ENV GREETING=hello' -m 'from the host' - mybase`], { env, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
      const [img] = JSON.parse(skiff(["image", "inspect", "mybase"], { env }).stdout);
      assert.equal(img.Id, r.stdout.trim());
      assert.deepEqual(img.RepoTags, ["localhost/mybase:latest"]);
      assert.deepEqual(img.Config.Cmd, ["sh", "-c", "echo hi"]);
      assert.ok(img.Config.Env.includes("GREETING=hello"));
      assert.equal(img.Comment, "from the host");
      assert.deepEqual(describeTree(snapshotOf(env, "mybase")), describeTree(reference));
    });
  }

  it("imports a file without a name as a dangling image", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const r = skiff(["import", tarball], { env });
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(skiff(["images", "--format", "json"], { env }).stdout);
    assert.deepEqual([list.length, list[0].Dangling, list[0].Id], [1, true, r.stdout.trim()]);
  });

  it("fails with one line, and records nothing, for a missing file or something that is not a tar", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const missing = skiff(["import", join(work, "nope.tar")], { env });
    assert.deepEqual([missing.code, missing.stderr], [125, `Error: import ${join(work, "nope.tar")}: no such file\n`]);
    const junk = join(work, "junk");
    writeFileSync(junk, "this is not a tar archive".repeat(40));
    const bad = skiff(["import", junk, "junk"], { env });
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^Error: read tar: invalid header checksum\n$/);
    assert.equal(skiff(["images", "-q"], { env }).stdout, "");
  });
});
