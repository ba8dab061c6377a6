/**
 * `push IMAGE oci:DIR[:REF]`: the image into an OCI image layout directory (made if missing, its
 * index.json kept and the name added), blobs linked from the store where it is on the same file
 * system, copied otherwise.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SkiffError, errnoCode } from "../errors.js";
import { parseDigest } from "./digest.js";
import type { ImageRecord } from "./images.js";
import { MEDIA } from "./media.js";
import { blobPath, type StorePaths } from "./store/layout.js";
import { REF_NAME, type OciIndex } from "./store/refs.js";
import { writeFileAtomic } from "../util/atomic.js";

export function exportToLayout(s: StorePaths, image: ImageRecord, dir: string, ref: string | undefined): string {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  if (!existsSync(join(dir, "oci-layout"))) writeFileAtomic(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }), 0o644, false);
  for (const digest of [...image.manifest.layers.map((l) => l.digest), image.id, image.manifestDigest]) {
    const target = join(blobs, parseDigest(digest).hex);
    if (existsSync(target)) continue;
    try {
      linkSync(blobPath(s, digest), target);
    } catch (err) {
      if (errnoCode(err) === "ENOENT") throw new SkiffError("NOT_FOUND", `blob ${digest} is not in the store`, { hint: "pull the image again" });
      copyFileSync(blobPath(s, digest), target);
    }
  }
  let index: OciIndex = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] };
  if (existsSync(join(dir, "index.json"))) {
    try {
      index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as OciIndex;
      if (!Array.isArray(index.manifests)) throw new Error("no manifests");
    } catch {
      throw new SkiffError("INVALID_ARGUMENT", `${dir}/index.json is not an OCI index`);
    }
  }
  const desc = { mediaType: image.manifest.mediaType ?? MEDIA.ociManifest, digest: image.manifestDigest, size: statSync(blobPath(s, image.manifestDigest)).size };
  index.manifests = index.manifests.filter((d) => !(ref && d.annotations?.[REF_NAME] === ref) && !(!ref && d.digest === desc.digest && !d.annotations?.[REF_NAME]));
  index.manifests.push(ref ? { ...desc, annotations: { [REF_NAME]: ref } } : desc);
  writeFileAtomic(join(dir, "index.json"), JSON.stringify(index), 0o644);
  return image.manifestDigest;
}
