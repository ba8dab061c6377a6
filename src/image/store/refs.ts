/**
 * Image names in index.json: one descriptor per (name, manifest), the name in the standard
 * `org.opencontainers.image.ref.name` annotation, so `skopeo inspect oci:ROOT:NAME` finds it.
 * Changes happen under the index lock and are written atomically.
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../../util/atomic.js";
import { withLock } from "../../util/lock.js";
import type { Descriptor } from "./blobs.js";
import { ensureLayout, indexPath, lockPath, type StorePaths } from "./layout.js";

export const REF_NAME = "org.opencontainers.image.ref.name";
/** The digest the image was pulled by (an index digest for multi-arch images), for RepoDigests. */
export const PULLED_DIGEST = "io.skiff.image.pulled-digest";

export interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export function readIndex(s: StorePaths): OciIndex {
  ensureLayout(s);
  return JSON.parse(readFileSync(indexPath(s), "utf8")) as OciIndex;
}

export async function updateIndex(s: StorePaths, change: (index: OciIndex) => void): Promise<OciIndex> {
  ensureLayout(s);
  return withLock(lockPath(s, "index.lock"), { what: "the image index" }, () => {
    const index = readIndex(s);
    change(index);
    writeFileAtomic(indexPath(s), `${JSON.stringify(index, null, 2)}\n`);
    return index;
  });
}

/** Points `name` at `manifest` (moving it away from any other image), or records an untagged image. */
export function setRef(index: OciIndex, manifest: Descriptor, name: string | undefined): void {
  if (name) {
    const moved = index.manifests.filter((d) => d.annotations?.[REF_NAME] === name && d.digest !== manifest.digest);
    index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== name);
    // an image that loses its last name stays, untagged ("<none>"), as podman keeps it: its
    // containers and a rollback still need it; image prune removes it
    for (const d of moved) {
      if (index.manifests.some((m) => m.digest === d.digest)) continue;
      const { [REF_NAME]: _gone, ...rest } = d.annotations ?? {};
      index.manifests.push({ ...d, annotations: rest });
    }
  }
  const exists = index.manifests.some((d) => d.digest === manifest.digest && d.annotations?.[REF_NAME] === name);
  if (exists) return;
  if (!name && index.manifests.some((d) => d.digest === manifest.digest)) return;
  index.manifests.push({ ...manifest, annotations: { ...manifest.annotations, ...(name ? { [REF_NAME]: name } : {}) } });
}
