/**
 * Snapshots: one unpacked layer per chainID under snapshots/<hex>/fs, shared by every image that
 * has the same layers below it, so each layer is unpacked once, ever. A snapshot is built in a
 * temp directory and renamed into place when complete; a per-chainID lock makes concurrent pulls
 * of the same layer wait for one another instead of unpacking twice.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseDigest } from "../image/digest.js";
import { lockPath, snapshotsDir, type StorePaths } from "../image/store/layout.js";
import { fsyncDir, writeFileAtomic } from "../util/atomic.js";
import { getSys } from "../sys/index.js";
import { withLock } from "../util/lock.js";

export interface SnapshotInfo {
  chainId: string;
  diffId: string;
  /** chainID of the snapshot below, if any. */
  parent?: string;
  /** Bytes of file data written. */
  size: number;
  created: string;
}

const hexOf = (chainId: string) => parseDigest(chainId).hex;

export function snapshotPath(s: StorePaths, chainId: string): string {
  return join(snapshotsDir(s), hexOf(chainId));
}

/** The directory to use as an overlay lower dir. */
export function snapshotFs(s: StorePaths, chainId: string): string {
  return join(snapshotPath(s, chainId), "fs");
}

export function hasSnapshot(s: StorePaths, chainId: string): boolean {
  return existsSync(join(snapshotPath(s, chainId), "info.json"));
}

/**
 * Overlay lower dirs of the layers `chainIds` (bottom first), top first; `missing` makes the error
 * for a layer that is not unpacked (each caller names what needed it).
 */
export function lowerDirs(s: StorePaths, chainIds: string[], missing: (chainId: string) => Error): string[] {
  return [...chainIds].reverse().map((c) => {
    if (!hasSnapshot(s, c)) throw missing(c);
    return snapshotFs(s, c);
  });
}

export function readSnapshotInfo(s: StorePaths, chainId: string): SnapshotInfo {
  return JSON.parse(readFileSync(join(snapshotPath(s, chainId), "info.json"), "utf8")) as SnapshotInfo;
}

/**
 * Builds the snapshot `chainId` with `fill(fsDir)` unless it exists. Idempotent and safe to run
 * from several processes at once; a crash leaves only a temp directory that the next call removes.
 */
export async function ensureSnapshot(
  s: StorePaths,
  info: Omit<SnapshotInfo, "size" | "created">,
  fill: (fsDir: string) => Promise<{ size: number }>,
): Promise<boolean> {
  if (hasSnapshot(s, info.chainId)) return false;
  const hex = hexOf(info.chainId);
  return withLock(lockPath(s, `snapshot-${hex}.lock`), { what: `layer ${info.chainId}`, timeoutMs: 3600_000 }, async () => {
    if (hasSnapshot(s, info.chainId)) return false;
    const dir = snapshotsDir(s);
    for (const stale of readdirSync(dir).filter((n) => n.startsWith(`.tmp-${hex}-`))) rmSync(join(dir, stale), { recursive: true, force: true });
    const tmp = join(dir, `.tmp-${hex}-${process.pid}`);
    mkdirSync(join(tmp, "fs"), { recursive: true, mode: 0o755 });
    try {
      const { size } = await fill(join(tmp, "fs"));
      // the files' data reach the disk before the snapshot is marked complete (a power loss must
      // not leave a complete-looking snapshot of truncated files)
      (await getSys()).syncfs(tmp);
      writeFileAtomic(join(tmp, "info.json"), `${JSON.stringify({ ...info, size, created: new Date().toISOString() }, null, 2)}\n`);
      renameSync(tmp, snapshotPath(s, info.chainId));
      fsyncDir(dir);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    return true;
  });
}
