/**
 * A container whose root is not the user (--userns nomap) has runc's init, running as that root,
 * walk to its rootfs and to every mount source: every directory above them must be searchable by
 * "others". podman 4.3.1 gives each directory the user owns on the way the search bits (a 0700
 * home becomes 0711: tried); skiff does the same, and refuses in one line naming the chmod when a
 * directory it does not own is in the way, rather than changing someone else's.
 */
import { chmodSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { SkiffError } from "../errors.js";

export type SearchFix = "ok" | "chmod" | "refuse";

/** What a directory on the way needs: nothing, the user's chmod (mode | 0o111, as podman), or the owner's. Pure. */
export function searchFix(mode: number, ownedByCaller: boolean): SearchFix {
  if ((mode & 0o001) !== 0) return "ok";
  return ownedByCaller ? "chmod" : "refuse";
}

/** Every directory strictly above `path` made searchable by others, or one line saying which is not. */
export function makeReachable(path: string, why: string): void {
  const uid = process.getuid?.() ?? -1;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const st = statSync(dir);
    const fix = searchFix(st.mode, st.uid === uid);
    if (fix === "chmod") chmodSync(dir, (st.mode & 0o7777) | 0o111);
    if (fix === "refuse") {
      throw new SkiffError("FAILED_PRECONDITION", `${why}: ${dir} is not searchable by other users, and the container's root is one`, { hint: `chmod o+x ${dir}` });
    }
    if (dir === "/" || dir === ".") return;
  }
}
