/**
 * A container's root file system: made (keep-id's shifted layers, a vfs copy), mounted (overlayfs
 * of the image's snapshots under the container's upper dir; a vfs root is a plain directory) and
 * unmounted, and the count of `skiff mount`s that keep it mounted.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import { lowerDirs } from "../snapshot/store.js";
import { MNT_DETACH, type Sys } from "../sys/index.js";
import { isMounted } from "../image/mount.js";
import { writeFileAtomic } from "../util/atomic.js";
import { bundleDir, isVfs, rootfsDir, upperDir, workDir, type ContainerPaths, type RootfsOwner } from "./paths.js";
import type { ContainerRecord } from "./record.js";
import { namespaceIdTotals, overlayData } from "../rootless/userns.js";
import { keepIdMapping, nomapMapping, toNamespace, type IdMapping } from "../rootless/keep-id.js";
import { shiftedLowerPaths, shiftedLowers } from "../rootless/shifted.js";
import { makeReachable } from "../rootless/reachable.js";
import { autoMapping } from "../rootless/auto-userns.js";

/** The mode of a container's "/" (podman's). */
const ROOT_MODE = 0o555;

/**
 * A container's "/" as podman's storage makes every layer's root (it ignores a layer's own "./"
 * entry): the container's root's, dr-xr-xr-x; a 0700 root locked non-root users of the image out.
 * Under a mapping (keep-id: the rootless namespace's 1) the container's root is where it maps.
 */
export function ownAsContainerRoot(dir: string, mapping?: { uidMappings: IdMapping[]; gidMappings: IdMapping[] }): void {
  chownSync(dir, mapping ? toNamespace(mapping.uidMappings, 0) : 0, mapping ? toNamespace(mapping.gidMappings, 0) : 0);
  chmodSync(dir, ROOT_MODE);
}

/** --userns keep-id, nomap or auto: the container's mappings in the rootless namespace (rootless/keep-id.ts). */
export function containerMappings(rec: ContainerRecord) {
  const k = rec.options.keepId;
  const auto = rec.options.autoIds;
  if (auto) return { uidMappings: autoMapping(auto, auto.uidMapping), gidMappings: autoMapping(auto, auto.gidMapping) };
  if (!k && !rec.options.nomap) return undefined;
  const { uids, gids } = namespaceIdTotals();
  try {
    return k ? { uidMappings: keepIdMapping(k.uid, uids), gidMappings: keepIdMapping(k.gid, gids) } : { uidMappings: nomapMapping(uids), gidMappings: nomapMapping(gids) };
  } catch (err) {
    // a user namespace with the user alone in it (no /etc/subuid range) has nothing to map
    throw new SkiffError("FAILED_PRECONDITION", `--userns ${k ? "keep-id" : "nomap"}: ${(err as Error).message}`, { hint: "give the user subordinate IDs in /etc/subuid and /etc/subgid (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER), then run skiff system migrate" });
  }
}

const imageLowers = (p: ContainerPaths, rec: ContainerRecord) =>
  lowerDirs(p, rec.image.chainIds, (c) => new SkiffError("NOT_FOUND", `container ${rec.name}: layer ${c} of image ${rec.image.name} is missing`, { hint: "pull the image again" }));

/** keep-id's copies of the image's layers, made before the first mount (rootless/shifted.ts). */
async function prepareKeepIdLowers(p: ContainerPaths, rec: ContainerRecord): Promise<void> {
  const m = containerMappings(rec);
  if (m) await shiftedLowers(p.root, imageLowers(p, rec), [...rec.image.chainIds].reverse(), m.uidMappings, m.gidMappings);
}

/** What the rootfs needs made first (keep-id's shifted layers, a vfs copy), then the rootfs mounted; its path. */
export async function prepareRootfs(p: ContainerPaths, rec: ContainerRecord, sys: Sys): Promise<string> {
  // loaded only for a vfs container: it brings the unpacker (and zlib) into a shim
  if (isVfs(rec)) await (await import("./vfs-rootfs.js")).makeVfsRootfs(p, rec, sys, containerMappings(rec));
  else await prepareKeepIdLowers(p, rec);
  return mountRootfs(p, rec, sys);
}

export function mountRootfs(p: ContainerPaths, rec: ContainerRecord, sys: Sys): string {
  const target = rootfsDir(p, rec);
  if (isVfs(rec)) {
    if (!existsSync(target)) throw new SkiffError("FAILED_PRECONDITION", `container ${rec.name}: its vfs root is not made yet`, { hint: "start the container once" });
    if (rec.options.nomap) makeReachable(target, "--userns nomap");
    return target;
  }
  if (isMounted(target)) return target;
  const keepId = containerMappings(rec);
  const lowers = keepId ? shiftedLowerPaths(p.root, [...rec.image.chainIds].reverse(), keepId.uidMappings, keepId.gidMappings) : imageLowers(p, rec);
  // an image with no layers still gets an overlay: an empty lower dir
  if (lowers.length === 0) {
    const empty = join(bundleDir(p, rec.id), "empty");
    mkdirSync(empty, { recursive: true, mode: 0o755 });
    lowers.push(empty);
  }
  const upper = upperDir(p, rec.id);
  // the merged root takes the upper dir's mode and owner
  if (!existsSync(upper)) {
    mkdirSync(upper, { recursive: true, mode: 0o700 });
    ownAsContainerRoot(upper, keepId);
  }
  mkdirSync(workDir(p, rec.id), { recursive: true, mode: 0o700 });
  mkdirSync(target, { recursive: true, mode: 0o700 });
  if (rec.options.nomap) makeReachable(target, "--userns nomap");
  sys.mount("overlay", target, "overlay", 0, overlayData([`lowerdir=${lowers.join(":")}`, `upperdir=${upperDir(p, rec.id)}`, `workdir=${workDir(p, rec.id)}`]));
  return target;
}

/** Marks a rootfs that `skiff mount` mounted: it stays mounted when the container stops, until `umount`. */
export const userMountMarker = (p: ContainerPaths, id: string) => join(bundleDir(p, id), "mounted-by-user");

/** How many `mount`s of the container are not undone yet (podman counts them): the marker's number. */
export function userMountCount(p: ContainerPaths, id: string): number {
  let text: string;
  try {
    text = readFileSync(userMountMarker(p, id), "utf8").trim();
  } catch {
    return 0;
  }
  // an empty marker is one mount (as written before the count was kept)
  return /^\d+$/.test(text) ? Math.max(1, Number(text)) : 1;
}

/** Records `count` mounts; 0 removes the marker. */
export function setUserMountCount(p: ContainerPaths, id: string, count: number): void {
  if (count <= 0) rmSync(userMountMarker(p, id), { force: true });
  else writeFileAtomic(userMountMarker(p, id), String(count), 0o600, false);
}

export function unmountRootfs(p: ContainerPaths, rec: RootfsOwner, sys: Sys, byUser = false): void {
  // a vfs root is a directory, not a mount: it stays with the container
  if (isVfs(rec)) return;
  const target = rootfsDir(p, rec);
  if (!byUser && existsSync(userMountMarker(p, rec.id))) return;
  try {
    if (isMounted(target)) sys.umount(target, MNT_DETACH);
  } catch (err) {
    // the shim and a removing CLI may both get here: the first one unmounts
    if (isMounted(target)) throw err;
  }
  try {
    rmdirSync(target);
  } catch { /* absent */ }
}
