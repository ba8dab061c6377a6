/** The facts --userns auto is sized from at create: the image's owners and accounts, and the namespace's IDs. */
import { SkiffError } from "../errors.js";
import type { StorePaths } from "../image/store/layout.js";
import { autoSize, imageIdSpan, type AutoRequest } from "../rootless/auto-userns.js";
import type { IdMapping } from "../rootless/keep-id.js";
import { namespaceIdTotals } from "../rootless/userns.js";
import { readFileIn } from "../snapshot/rooted.js";
import { lowerDirs } from "../snapshot/store.js";

const MAX_ACCOUNTS_FILE = 8 << 20;

/** The topmost layer's non-empty copy of an image file (resolved inside that layer), or "". */
function topmost(lowers: string[], path: string): string {
  for (const dir of lowers) {
    const text = readFileIn(dir, path, MAX_ACCOUNTS_FILE);
    if (text) return text;
  }
  return "";
}

/** How many IDs an auto container of this image needs (rootless/auto-userns.ts autoSize). */
export function autoSizeOf(store: StorePaths, chainIds: string[]): number {
  const lowers = lowerDirs(store, chainIds, (c) => new SkiffError("NOT_FOUND", `layer ${c} of the image is missing`, { hint: "pull the image again" }));
  return autoSize(imageIdSpan(lowers), topmost(lowers, "/etc/passwd"), topmost(lowers, "/etc/group"));
}

/** The IDs of the user namespace this process is in (the rootless one), the fewer of UIDs and GIDs. */
function namespaceTotal(): number {
  const { uids, gids } = namespaceIdTotals();
  return Math.min(uids, gids);
}

/** What create.ts allocates for `--userns auto…`: the size (asked, or the image's), the namespace's IDs, the mappings by hand (checked to be in it). */
export function autoRequest(auto: AutoRequest, imageSize: () => number): { size: number; total: number; uidMapping?: IdMapping[]; gidMapping?: IdMapping[] } {
  const total = namespaceTotal();
  for (const [key, list] of [["uidmapping", auto.uidMapping], ["gidmapping", auto.gidMapping]] as const) {
    for (const m of list ?? []) {
      if (m.hostID + m.size > total) throw new SkiffError("INVALID_ARGUMENT", `--userns auto: ${key} ${m.containerID}:${m.hostID}:${m.size} is outside the user namespace's ${total} IDs`, { hint: "map IDs below that, or give the user more subordinate IDs in /etc/subuid and /etc/subgid" });
    }
  }
  return { size: auto.size ?? imageSize(), total, uidMapping: auto.uidMapping, gidMapping: auto.gidMapping };
}
