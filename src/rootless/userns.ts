/**
 * Whether this process runs in skiff's rootless user namespace, and as whom outside it. A command
 * an ordinary user runs is re-executed inside the namespace (rootless/join.ts) with SKIFF_ROOTLESS
 * set to the user's "UID:GID": inside, the process is root, but its paths and choices stay the
 * user's ($XDG_DATA_HOME, $XDG_RUNTIME_DIR, no CNI bridge, no cgroups).
 */
import { readFileSync } from "node:fs";
import { readHostFile } from "../host/facts.js";
import { mappedTotal } from "./keep-id.js";

export const ROOTLESS_ENV = "SKIFF_ROOTLESS";

export interface OuterIds { uid: number; gid: number }

/** The user outside the namespace, when this process was re-executed inside it. */
export function outerIds(env: NodeJS.ProcessEnv): OuterIds | undefined {
  const m = /^(\d+):(\d+)$/.exec(env[ROOTLESS_ENV] ?? "");
  return m ? { uid: Number(m[1]), gid: Number(m[2]) } : undefined;
}

let cached: boolean | undefined;

/** True in any user namespace but the initial one (whose uid_map maps every ID to itself). */
export function inUserNamespace(): boolean {
  if (cached === undefined) {
    try {
      cached = readFileSync("/proc/self/uid_map", "utf8").trim().split(/\s+/).join(" ") !== "0 0 4294967295";
    } catch {
      cached = false;
    }
  }
  return cached;
}

/** How many UIDs and GIDs the user namespace this process is in maps (0 when its maps cannot be read). */
export function namespaceIdTotals(): { uids: number; gids: number } {
  const total = (file: string) => mappedTotal(readHostFile(file));
  return { uids: total("/proc/self/uid_map"), gids: total("/proc/self/gid_map") };
}

/** The host's name for `uid` (/etc/passwd), as /etc/subuid and logind name users. */
export function userNameOf(uid: number): string | undefined {
  try {
    return readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.split(":")[2] === String(uid))?.split(":")[0];
  } catch {
    return undefined;
  }
}

/** overlayfs mount data: in a user namespace its own xattrs are user.overlay.* (trusted.* needs the initial namespace). */
export function overlayData(parts: string[]): string {
  return (inUserNamespace() ? [...parts, "userxattr"] : parts).join(",");
}
