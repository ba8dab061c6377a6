/**
 * The build cache: one record per step result, keyed by what the step depends on (its parent
 * state, its instruction after substitution, the digest of what it copies, the build args it sees
 * — all in the history text or the content digest), under --root/build-cache. A record names the
 * state's config blob and its layers; garbage collection keeps what records name, and
 * `image prune` / `system prune` remove the records.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sha256Of } from "../digest.js";
import type { Descriptor } from "./blobs.js";
import { hasBlob } from "./blobs.js";
import { writeFileAtomic } from "../../util/atomic.js";

export interface CacheRecord { id: string; layers: Descriptor[] }

export const cacheDir = (root: string) => join(root, "build-cache");

/** The key of a step: everything its result depends on. Pure. */
export function stepKey(parentId: string, createdBy: string, extra: string[] = []): string {
  return sha256Of(new TextEncoder().encode(JSON.stringify([parentId, createdBy, ...extra]))).slice(7);
}

/** The cached result of a step, if every blob it names is still in the store. */
export function lookupStep(root: string, key: string): CacheRecord | undefined {
  const file = join(cacheDir(root), `${key}.json`);
  if (!existsSync(file)) return undefined;
  try {
    const rec = JSON.parse(readFileSync(file, "utf8")) as CacheRecord;
    if (typeof rec.id !== "string" || !Array.isArray(rec.layers)) return undefined;
    const s = { root, runroot: "" };
    if (!hasBlob(s, rec.id) || !rec.layers.every((l) => hasBlob(s, l.digest))) return undefined;
    return rec;
  } catch {
    return undefined; // a damaged record is a miss
  }
}

export function recordStep(root: string, key: string, rec: CacheRecord): void {
  mkdirSync(cacheDir(root), { recursive: true, mode: 0o700 });
  writeFileAtomic(join(cacheDir(root), `${key}.json`), JSON.stringify(rec), 0o600, false);
}

/** Every record (for garbage collection). */
export function cacheRecords(root: string): CacheRecord[] {
  const dir = cacheDir(root);
  if (!existsSync(dir)) return [];
  const out: CacheRecord[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".json")) continue;
    try {
      out.push(JSON.parse(readFileSync(join(dir, f), "utf8")) as CacheRecord);
    } catch { /* skipped */ }
  }
  return out;
}

/** Forgets every cached step; returns how many there were. */
export function clearCache(root: string): number {
  const n = cacheRecords(root).length;
  rmSync(cacheDir(root), { recursive: true, force: true });
  return n;
}
