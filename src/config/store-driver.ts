/**
 * Which storage driver a command uses. The store remembers a vfs making (image/store/layout.ts);
 * a new store is made vfs unless overlay is asked for where overlayfs cannot serve it: on an
 * overlayfs (skiff inside a container: it refuses another overlay's upper directory and its
 * layers' whiteouts), a kernel without overlayfs, rootless on Linux before 5.11; asking for overlay
 * on a vfs store is refused. The decisions are pure; storeDriverOf reads the facts.
 */
import { existsSync, readFileSync, statfsSync } from "node:fs";
import { dirname, join } from "node:path";
import { SkiffError } from "../errors.js";
import { storeDriverFile } from "../image/store/layout.js";
import { kernelRelease, overlayFromFilesystems, readHostFile } from "../host/facts.js";

/** statfs(2)'s f_type of an overlayfs. */
export const OVERLAYFS_MAGIC = 0x794c7630;

export type Driver = "overlay" | "vfs";
/**
 * recorded: the store's own record; exists: the store has its index; overlayRefused: why a new
 * store could not use overlayfs here (on an overlayfs, no overlayfs in the kernel, rootless on a
 * kernel older than 5.11), if it could not.
 */
export interface StoreFacts { recorded?: string; exists: boolean; overlayRefused?: string }

/** asked: the flag's or the config file's driver, if either says one. */
export function chooseDriver(asked: Driver | undefined, facts: StoreFacts, root: string): { driver: Driver; plain: boolean } {
  if (facts.recorded === "vfs") {
    if (asked === "overlay") throw new SkiffError("FAILED_PRECONDITION", `the store at ${root} was made with the vfs driver: it has no overlay layers`, { hint: "use --storage-driver vfs, or another --root for overlay" });
    return { driver: "vfs", plain: true };
  }
  if (facts.exists) return { driver: asked ?? "overlay", plain: false };
  const driver = asked ?? (facts.overlayRefused ? "vfs" : "overlay");
  return { driver, plain: driver === "vfs" };
}

/** The file system type of `path`, or of its nearest existing parent (a store not made yet). */
function fsTypeAbove(path: string): number | undefined {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      return statfsSync(dir).type;
    } catch {
      if (dir === dirname(dir)) return undefined;
    }
  }
}

/** Why overlayfs is not for a new store here, from the host's facts, or undefined. Pure. */
export function overlayRefusal(f: { fsType?: number; filesystems: string; moduleFile: boolean; kernel: string; rootless: boolean }): string | undefined {
  if (f.fsType === OVERLAYFS_MAGIC) return "the store's file system is an overlayfs";
  if (!overlayFromFilesystems(f.filesystems) && !f.moduleFile) return "the kernel has no overlayfs";
  const [major, minor] = f.kernel.split(/[.-]/).map(Number);
  // unprivileged overlay mounts came with 5.11
  if (f.rootless && (major < 5 || (major === 5 && minor < 11))) return `rootless overlayfs needs Linux 5.11 (this is ${f.kernel})`;
  return undefined;
}

function hostRefusal(root: string, rootless: boolean): string | undefined {
  const kernel = kernelRelease();
  const moduleFile = ["overlay.ko", "overlay.ko.xz", "overlay.ko.zst", "overlay.ko.gz"].some((f) => existsSync(join("/lib/modules", kernel, "kernel/fs/overlayfs", f)));
  return overlayRefusal({ fsType: fsTypeAbove(root), filesystems: readHostFile("/proc/filesystems"), moduleFile, kernel, rootless });
}

export function storeDriverOf(root: string, asked: Driver | undefined, rootless = false): { driver: Driver; plain: boolean; why?: string } {
  let recorded: string | undefined;
  try {
    recorded = readFileSync(storeDriverFile(root), "utf8").trim();
  } catch { /* an overlay store, or none yet */ }
  const exists = existsSync(join(root, "index.json"));
  // only a store not made yet is decided by the host (a runtime without statfs: not an overlayfs)
  const overlayRefused = !recorded && !exists && !asked ? hostRefusal(root, rootless) : undefined;
  return { ...chooseDriver(asked, { recorded, exists, overlayRefused }, root), ...(overlayRefused ? { why: overlayRefused } : {}) };
}
