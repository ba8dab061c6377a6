/**
 * The image store is an OCI image layout under --root (skopeo and umoci can read it):
 *   oci-layout, index.json, blobs/sha256/<hex>   the layout itself
 *   ingest/                                      blobs being downloaded (never read as blobs)
 *   snapshots/<chainID hex>/fs                   one unpacked layer each
 * Locks live under the runroot (tmpfs), so a reboot clears them.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseDigest } from "../digest.js";
import { writeFileAtomic } from "../../util/atomic.js";

export interface StorePaths {
  root: string;
  runroot: string;
}

export const blobsDir = (s: StorePaths) => join(s.root, "blobs", "sha256");
export const ingestDir = (s: StorePaths) => join(s.root, "ingest");
export const snapshotsDir = (s: StorePaths) => join(s.root, "snapshots");
export const indexPath = (s: StorePaths) => join(s.root, "index.json");
export const lockPath = (s: StorePaths, name: string) => join(s.runroot, "locks", name);

export function blobPath(s: StorePaths, digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return join(s.root, "blobs", algorithm, hex);
}

/** Creates the layout on first use; safe to call every time. */
export function ensureLayout(s: StorePaths): void {
  for (const d of [blobsDir(s), ingestDir(s), snapshotsDir(s)]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const layout = join(s.root, "oci-layout");
  if (!existsSync(layout)) writeFileAtomic(layout, `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`);
  if (!existsSync(indexPath(s))) writeFileAtomic(indexPath(s), `${JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [] })}\n`);
}
