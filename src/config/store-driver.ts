/**
 * Which storage driver a command uses. The store remembers a vfs making (image/store/layout.ts);
 * a new store on an overlayfs (skiff inside a container) is made vfs unless overlay is asked for,
 * since overlayfs refuses another overlay's upper directory and the whiteouts of its layers; asking
 * for overlay on a vfs store is refused. The decision is pure; storeDriverOf reads the facts.
 */
import { existsSync, readFileSync, statfsSync } from "node:fs";
import { dirname, join } from "node:path";
import { SkiffError } from "../errors.js";
import { storeDriverFile } from "../image/store/layout.js";

/** statfs(2)'s f_type of an overlayfs. */
export const OVERLAYFS_MAGIC = 0x794c7630;

export type Driver = "overlay" | "vfs";
export interface StoreFacts { recorded?: string; exists: boolean; onOverlayfs: boolean }

/** asked: the flag's or the config file's driver, if either says one. */
export function chooseDriver(asked: Driver | undefined, facts: StoreFacts, root: string): { driver: Driver; plain: boolean } {
  if (facts.recorded === "vfs") {
    if (asked === "overlay") throw new SkiffError("FAILED_PRECONDITION", `the store at ${root} was made with the vfs driver: it has no overlay layers`, { hint: "use --storage-driver vfs, or another --root for overlay" });
    return { driver: "vfs", plain: true };
  }
  if (facts.exists) return { driver: asked ?? "overlay", plain: false };
  const driver = asked ?? (facts.onOverlayfs ? "vfs" : "overlay");
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

export function storeDriverOf(root: string, asked: Driver | undefined): { driver: Driver; plain: boolean } {
  let recorded: string | undefined;
  try {
    recorded = readFileSync(storeDriverFile(root), "utf8").trim();
  } catch { /* an overlay store, or none yet */ }
  const exists = existsSync(join(root, "index.json"));
  // a runtime without statfs (or a kernel that refuses it) is taken as not an overlayfs
  const onOverlayfs = !recorded && !exists && fsTypeAbove(root) === OVERLAYFS_MAGIC;
  return chooseDriver(asked, { recorded, exists, onOverlayfs }, root);
}
