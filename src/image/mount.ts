/**
 * Read-only views of images: the layers' snapshots stacked as an overlayfs with no upper dir (one
 * layer: a read-only bind mount). Mount points live under the runroot, so a reboot clears them.
 */
import { mkdirSync, readFileSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import { MNT_DETACH, MS, type Sys } from "../sys/index.js";
import { lowerDirs } from "../snapshot/store.js";
import { parseDigest } from "./digest.js";
import type { ImageRecord } from "./images.js";
import type { StorePaths } from "./store/layout.js";
import { overlayData } from "../rootless/userns.js";

export function imageMountPoint(s: StorePaths, id: string): string {
  return join(s.runroot, "image-mounts", parseDigest(id).hex);
}

export function isMounted(path: string): boolean {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8");
  return mounts.split("\n").some((l) => l.split(" ")[4] === path);
}

/** Mounts the image (idempotent) and returns the mount point. */
export function mountImage(s: StorePaths, img: ImageRecord, sys: Sys): string {
  const target = imageMountPoint(s, img.id);
  if (isMounted(target)) return target;
  const lowers = lowerDirs(s, img.chainIds, (c) => new SkiffError("NOT_FOUND", `image ${img.id}: layer ${c} is not unpacked`, { hint: "pull the image again" }));
  mkdirSync(target, { recursive: true, mode: 0o700 });
  if (lowers.length === 1) {
    sys.mount(lowers[0], target, "", MS.BIND);
    sys.mount("", target, "", MS.REMOUNT | MS.BIND | MS.RDONLY);
  } else {
    sys.mount("overlay", target, "overlay", MS.RDONLY, overlayData([`lowerdir=${lowers.join(":")}`]));
  }
  return target;
}

/** Unmounts the image's view; false when it was not mounted. */
export function unmountImage(s: StorePaths, id: string, sys: Sys): boolean {
  const target = imageMountPoint(s, id);
  if (!isMounted(target)) return false;
  sys.umount(target, MNT_DETACH);
  rmdirSync(target);
  return true;
}

/** IDs ("sha256:…") of the images mounted now. */
export function mountedImages(s: StorePaths): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(join(s.runroot, "image-mounts"));
  } catch {
    return [];
  }
  return names.filter((n) => isMounted(join(s.runroot, "image-mounts", n))).map((n) => `sha256:${n}`);
}
