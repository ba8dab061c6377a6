/**
 * Layers for --userns keep-id and nomap: a copy of each snapshot with its owners moved as the container's
 * mapping needs (keep-id.ts), made once per image layer and mapping under `--root/shifted/` and
 * shared by every container of that user with the same mapping. A copy, not an idmapped mount: runc 1.1 cannot
 * make idmapped mounts, and overlayfs takes idmapped layers only when mounted in the initial user
 * namespace. Its cost is one copy of the image (measured in bench/rootless.sh: a busybox layer in
 * milliseconds, ~110 MB in seconds); `rmi` and image GC remove it with the snapshot.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import { withLock } from "../util/lock.js";
import { toNamespace, type IdMapping } from "./keep-id.js";

export const shiftedRoot = (root: string) => join(root, "shifted");
/** The copies' directory for a mapping: keep-id's by the user's IDs (as before nomap), any other by its ranges. */
function keyOf(uids: IdMapping[], gids: IdMapping[]): string {
  if (uids.length > 1 && gids.length > 1 && uids[1].hostID === 0 && gids[1].hostID === 0) return `keep-id-${uids[1].containerID}-${gids[1].containerID}`;
  const ranges = (m: IdMapping[]) => m.map((r) => `${r.containerID}.${r.hostID}.${r.size}`).join("_");
  return `map-${ranges(uids)}-${ranges(gids)}`;
}

/**
 * Where an image's owner goes: its place under the mapping, or, for an ID the container does not
 * map (auto:size=N smaller than the image, 65534 past an auto range), the user, who is not in a
 * nomap or auto container either: there it is the overflow ID, as podman shows such files.
 */
function ownerIn(mapping: IdMapping[], id: number): number {
  try {
    return toNamespace(mapping, id);
  } catch {
    return 0;
  }
}

/** Every entry below `dir` (and `dir`) owned as `uids`/`gids` say; set-ID bits kept (chown clears them). */
export function shiftOwners(dir: string, uids: IdMapping[], gids: IdMapping[]): void {
  // a hard link's other names are the same inode: moved once, not once per name
  const moved = new Set<string>();
  const walk = (path: string) => {
    const st = lstatSync(path);
    if (st.nlink > 1 && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      if (moved.has(key)) return;
      moved.add(key);
    }
    lchownSync(path, ownerIn(uids, st.uid), ownerIn(gids, st.gid));
    if (!st.isSymbolicLink() && st.mode & 0o6000) chmodSync(path, st.mode & 0o7777);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
}

/** The shifted copies of `lowers` (snapshot fs dirs, top first, named by `chainIds` in the same order). */
export async function shiftedLowers(root: string, lowers: string[], chainIds: string[], uids: IdMapping[], gids: IdMapping[]): Promise<string[]> {
  const dir = join(shiftedRoot(root), keyOf(uids, gids));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out: string[] = [];
  for (const [i, lower] of lowers.entries()) {
    const target = join(dir, chainIds[i].replace(/^sha256:/, ""));
    out.push(target);
    if (existsSync(target)) continue;
    await withLock(`${target}.lock`, { what: "a layer copy for --userns keep-id or nomap", timeoutMs: 600_000 }, () => {
      if (existsSync(target)) return;
      const tmp = `${target}.tmp`;
      rmSync(tmp, { recursive: true, force: true });
      // cp -a keeps modes, times, links, device nodes (whiteouts) and xattrs (opaque directories)
      const r = spawnSync("cp", ["-a", "--reflink=auto", lower, tmp], { encoding: "utf8" });
      if (r.status !== 0) throw new SkiffError("FAILED_PRECONDITION", `copying a layer for --userns keep-id or nomap: ${(r.stderr || String(r.error)).trim()}`);
      shiftOwners(tmp, uids, gids);
      renameSync(tmp, target);
    });
  }
  return out;
}

/** Where the copies are (made by shiftedLowers); a missing one is an error that says how to make it. */
export function shiftedLowerPaths(root: string, chainIds: string[], uids: IdMapping[], gids: IdMapping[]): string[] {
  const dir = join(shiftedRoot(root), keyOf(uids, gids));
  return chainIds.map((c) => {
    const path = join(dir, c.replace(/^sha256:/, ""));
    if (!existsSync(path)) throw new SkiffError("FAILED_PRECONDITION", "the --userns copy of the image is not made yet", { hint: "start the container once" });
    return path;
  });
}

/** The copies of a removed snapshot, for every mapping. */
export function removeShifted(root: string, chainId: string): void {
  let keys: string[];
  try {
    keys = readdirSync(shiftedRoot(root));
  } catch {
    return;
  }
  for (const k of keys) rmSync(join(shiftedRoot(root), k, chainId.replace(/^sha256:/, "")), { recursive: true, force: true });
}
