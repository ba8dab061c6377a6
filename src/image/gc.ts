/**
 * Garbage collection of the store: blobs and snapshots no image refers to. Pulls and imports hold
 * the gc lock shared for their whole run (their blobs are not referenced yet); collection takes it
 * exclusively, so it never deletes what a running pull is writing.
 */
import { readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chainIds, parseDigest } from "./digest.js";
import { parseConfig, type ImageManifest } from "./manifest.js";
import { readBlob } from "./store/blobs.js";
import { blobsDir, ingestDir, lockPath, snapshotsDir, type StorePaths } from "./store/layout.js";
import { removeShifted } from "../rootless/shifted.js";
import { PULLED_DIGEST, readIndex } from "./store/refs.js";
import { cacheRecords } from "./store/build-cache.js";
import { acquireLock, withLock, type Lock } from "../util/lock.js";

/** Held by writers (pull, import) for their whole run. */
export function holdStoreShared(s: StorePaths): Promise<Lock> {
  return acquireLock(lockPath(s, "gc.lock"), { what: "image store garbage collection", shared: true, timeoutMs: 600_000 });
}

/**
 * Between "which containers use this image" and the image's removal no container may be created
 * on it: creates hold this shared (and check the image is still there), removals exclusively.
 */
export function withImageUsers<T>(s: StorePaths, mode: "create" | "remove", fn: () => Promise<T> | T): Promise<T> {
  return withLock(lockPath(s, "image-users.lock"), { what: "the images' users", shared: mode === "create", timeoutMs: 600_000 }, fn);
}

export interface Collected { blobs: number; snapshots: number }

/**
 * Deletes unreferenced blobs, snapshots and leftover downloads. `blobsOnly` (what a failed pull
 * tidies: blobs no image names, which no container can need) leaves snapshots to a full collection.
 */
export async function collectGarbage(s: StorePaths, keepChains: Set<string> = new Set(), opts: { blobsOnly?: boolean; timeoutMs?: number } = {}): Promise<Collected> {
  return withLock(lockPath(s, "gc.lock"), { what: "image store garbage collection", timeoutMs: opts.timeoutMs ?? 600_000 }, () => {
    const blobs = new Set<string>();
    const chains = new Set<string>(keepChains);
    for (const d of readIndex(s).manifests) {
      blobs.add(d.digest);
      const pulled = d.annotations?.[PULLED_DIGEST];
      if (pulled) blobs.add(pulled);
      try {
        const m = JSON.parse(readBlob(s, d.digest, "manifest").toString()) as ImageManifest;
        blobs.add(m.config.digest);
        for (const l of m.layers) blobs.add(l.digest);
        const config = parseConfig(readBlob(s, m.config.digest, "config"), "config", m.layers.length);
        for (const c of chainIds(config.rootfs.diff_ids)) chains.add(parseDigest(c).hex);
      } catch {
        // a broken record (images lists it as such): what it names cannot be known, its own blob stays
      }
    }
    // what the build cache names stays until the cache is pruned
    for (const rec of cacheRecords(s.root)) {
      blobs.add(rec.id);
      for (const l of rec.layers) blobs.add(l.digest);
      try {
        const config = parseConfig(readBlob(s, rec.id, "config"), "config", rec.layers.length);
        for (const c of chainIds(config.rootfs.diff_ids)) chains.add(parseDigest(c).hex);
      } catch { /* a record whose config is gone is a miss anyway */ }
    }
    const out: Collected = { blobs: 0, snapshots: 0 };
    for (const hex of readdirSync(blobsDir(s))) {
      if (blobs.has(`sha256:${hex}`)) continue;
      rmSync(join(blobsDir(s), hex), { force: true });
      out.blobs++;
    }
    for (const name of opts.blobsOnly ? [] : readdirSync(snapshotsDir(s))) {
      if (chains.has(name)) continue;
      const path = join(snapshotsDir(s), name);
      if (name.startsWith(".")) {
        // a temp dir of a pull that died, or a deletion that was cut short: no pull is running now
        rmSync(path, { recursive: true, force: true });
        continue;
      }
      // rename first, so that a crash half way never leaves a half-deleted snapshot under its name
      const doomed = join(snapshotsDir(s), `.deleting-${name}`);
      renameSync(path, doomed);
      rmSync(doomed, { recursive: true, force: true });
      removeShifted(s.root, name);
      out.snapshots++;
    }
    for (const f of readdirSync(ingestDir(s))) rmSync(join(ingestDir(s), f), { force: true });
    return out;
  });
}
