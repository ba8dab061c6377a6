/**
 * What pushes learnt about blobs (containers/image's blob-info cache): the compressed digest of
 * an uncompressed layer (compressed once, then found by HEAD on the next push) and the
 * repositories of a registry that hold a blob (a push to another repository mounts it). One JSON
 * file under --root, changed under a lock and written atomically; bounded in size.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { withLock } from "../../util/lock.js";
import type { Descriptor } from "./blobs.js";
import { lockPath, type StorePaths } from "./layout.js";

export interface BlobInfo {
  /** diffID → compressed descriptor, by compression ("gzip"). */
  compressed: Record<string, Record<string, Descriptor>>;
  /** blob digest → "registry/repository" names known to hold it. */
  locations: Record<string, string[]>;
}

const MAX_ENTRIES = 20000;
const file = (s: StorePaths) => join(s.root, "blob-info.json");

export function readBlobInfo(s: StorePaths): BlobInfo {
  try {
    const info = JSON.parse(readFileSync(file(s), "utf8")) as BlobInfo;
    if (info && typeof info.compressed === "object" && typeof info.locations === "object") return info;
  } catch { /* none yet, or damaged: start again */ }
  return { compressed: {}, locations: {} };
}

export async function updateBlobInfo(s: StorePaths, change: (info: BlobInfo) => void): Promise<void> {
  await withLock(lockPath(s, "blob-info.lock"), { what: "the blob info cache" }, () => {
    const info = readBlobInfo(s);
    change(info);
    // the oldest entries go first when it grows too large
    for (const key of ["compressed", "locations"] as const) {
      const keys = Object.keys(info[key]);
      for (const k of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) delete info[key][k];
    }
    writeFileAtomic(file(s), JSON.stringify(info), 0o600, false);
  });
}

export function knownLocations(info: BlobInfo, digest: string, registry: string): string[] {
  return (info.locations[digest] ?? []).filter((l) => l.startsWith(`${registry}/`)).map((l) => l.slice(registry.length + 1));
}
