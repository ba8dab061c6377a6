/**
 * One bad record in the store (a manifest over the size limit from an older skiff, a blob that is
 * not JSON) never stops commands about other images: it is reported, skipped, and removable.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { containerEnv, sk } from "../helpers/containers.js";
import { requiresRoot } from "../helpers/skiff.js";

/** Puts `data` in the store as the manifest of NAME, as a crash or an old version could have left it. */
function plant(root: string, name: string, data: Buffer): string {
  const hex = createHash("sha256").update(data).digest("hex");
  writeFileSync(join(root, "blobs", "sha256", hex), data);
  const index = JSON.parse(readFileSync(join(root, "index.json"), "utf8"));
  index.manifests.push({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${hex}`, size: data.length, annotations: { "org.opencontainers.image.ref.name": name } });
  writeFileSync(join(root, "index.json"), JSON.stringify(index));
  return hex;
}

describe("broken store records", () => {
  it("are reported and skipped by every command, and removed by rmi", (t) => {
    if (!requiresRoot(t)) return;
    const env = containerEnv();
    const root = env.SKIFF_ROOT!;
    const huge = plant(root, "localhost/huge:latest", Buffer.from(`{"schemaVersion":2,"pad":"${"x".repeat(5 << 20)}"}`));
    const junk = plant(root, "localhost/junk:latest", Buffer.from("{not json"));
    const images = sk(env, ["images", "--format", "{{.Repository}}"]);
    assert.equal(images.code, 0, images.stderr);
    assert.equal(images.stdout, "localhost/bb\n");
    assert.match(images.stderr, /image localhost\/huge:latest .* cannot be read: .*more than 4194304.*skiff rmi localhost\/huge:latest removes it/);
    assert.match(images.stderr, /image localhost\/junk:latest .* cannot be read/);
    for (const args of [["run", "--rm", "bb", "true"], ["image", "inspect", "bb"], ["system", "df"], ["image", "prune", "-f"], ["images", "-q"]]) {
      const r = sk(env, args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    }
    assert.ok(existsSync(join(root, "blobs", "sha256", huge)), "garbage collection keeps a broken record's own blob while it is named");
    assert.match(sk(env, ["rmi", "-f", "huge"]).stdout, /Untagged: localhost\/huge:latest/);
    assert.match(sk(env, ["rmi", junk.slice(0, 12)]).stdout, /Untagged: localhost\/junk:latest/);
    assert.equal(sk(env, ["images"]).stderr, "");
    assert.equal(existsSync(join(root, "blobs", "sha256", huge)), false, "gone with its name");
  });
});
