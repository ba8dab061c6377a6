/**
 * --userns auto[:size=N]: each container gets IDs of its own from the rootless namespace's
 * subordinate ones, apart from every other auto container's (podman's: the first gets 1..1024, the
 * next 1025..). The size, unless given, covers the image: its files' highest owner + 1 and its
 * passwd and group IDs (the overflow ID 65534 left out), at least 1024, as podman 4.3.1 sizes it
 * (tried: files up to 3100 gave 3101). Decisions are pure; imageIdSpan reads the layers.
 */
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";

export const AUTO_MIN_SIZE = 1024;
const OVERFLOW_ID = 65534;

/** An allocated range: container IDs 0..size-1 are the rootless namespace's start..start+size-1. */
export interface AutoRange { start: number; size: number }

/** `auto` or `auto:size=N`: the size asked for, if any; anything else is refused as podman does. */
export function parseAuto(mode: string): { size?: number } | undefined {
  if (mode !== "auto" && !mode.startsWith("auto:")) return undefined;
  const out: { size?: number } = {};
  for (const opt of mode.slice(5).split(",").filter(Boolean)) {
    const [key, value = ""] = opt.split("=", 2);
    if (key === "size") {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 0xffffffff) throw new SkiffError("INVALID_ARGUMENT", `--userns auto: invalid size "${value}"`, { hint: "a number of IDs, e.g. auto:size=2048" });
      out.size = Number(value);
    } else if (key === "uidmapping" || key === "gidmapping") {
      throw new SkiffError("NOT_IMPLEMENTED", `--userns auto: ${key} is not supported yet`, { hint: "use auto or auto:size=N" });
    } else {
      throw new SkiffError("INVALID_ARGUMENT", `unknown option specified: "${key}"`);
    }
  }
  return out;
}

/** The IDs of passwd or group lines (third field), the overflow ID left out. */
function accountIds(text: string): number[] {
  return text.split("\n").map((l) => Number(l.split(":")[2])).filter((n) => Number.isInteger(n) && n >= 0 && n !== OVERFLOW_ID);
}

/** The size an image needs: files' highest owner + 1, passwd/group IDs, at least AUTO_MIN_SIZE. Pure. */
export function autoSize(highestOwner: number, passwd: string, group: string): number {
  // podman counts an account's ID as a size (uid 5000 gave 5000, leaving 5000 out): +1 here, so the
  // image's own users are in the container
  return Math.max(AUTO_MIN_SIZE, highestOwner + 1, ...accountIds(passwd).map((n) => n + 1), ...accountIds(group).map((n) => n + 1));
}

/** The lowest free range of `size` in 1..total-1 (0 is the user), apart from `used`; undefined if none. Pure. */
export function allocateRange(used: AutoRange[], size: number, total: number): AutoRange | undefined {
  const taken = [...used].sort((a, b) => a.start - b.start);
  let start = 1;
  for (const r of taken) {
    if (start + size <= r.start) break;
    start = Math.max(start, r.start + r.size);
  }
  return start + size <= total ? { start, size } : undefined;
}

/** The highest owner (UID or GID) of any entry in the layer directories, the overflow ID left out. */
export function imageIdSpan(dirs: string[]): number {
  let highest = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      for (const id of [st.uid, st.gid]) if (id !== OVERFLOW_ID && id > highest) highest = id;
      if (st.isDirectory()) walk(path);
    }
  };
  for (const d of dirs) walk(d);
  return highest;
}
