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
  /**
   * A store made with --storage-driver vfs: it keeps blobs and no unpacked snapshots (which are
   * overlayfs lower dirs: their whiteouts are device nodes a store on an overlayfs, as in a
   * container, cannot hold); vfs containers are made from the blobs (container/vfs-rootfs.ts).
   */
  plain?: boolean;
}

/** The store's own record of its driver: "vfs" for a plain store (podman's store keeps its driver too). */
export const storeDriverFile = (root: string) => join(root, "storage-driver");

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
  if (s.plain && !existsSync(indexPath(s))) {
    mkdirSync(s.root, { recursive: true, mode: 0o700 });
    if (!existsSync(storeDriverFile(s.root))) writeFileAtomic(storeDriverFile(s.root), "vfs\n");
  }
  for (const d of [blobsDir(s), ingestDir(s), snapshotsDir(s)]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const layout = join(s.root, "oci-layout");
  if (!existsSync(layout)) writeFileAtomic(layout, `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`);
  if (!existsSync(indexPath(s))) writeFileAtomic(indexPath(s), `${JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [] })}\n`);
}
