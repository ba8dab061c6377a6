/**
 * --userns auto[:size=N,uidmapping=,gidmapping=]: each container gets IDs of its own from the rootless namespace's
 * subordinate ones, apart from every other auto container's (podman's: the first gets 1..1024, the
 * next 1025..). The size, unless given, covers the image: its files' highest owner + 1 and its
 * passwd and group IDs (the overflow ID 65534 left out), at least 1024, as podman 4.3.1 sizes it
 * (tried: files up to 3100 gave 3101). Decisions are pure; imageIdSpan reads the layers.
 */
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import type { IdMapping } from "./keep-id.js";

export const AUTO_MIN_SIZE = 1024;
const OVERFLOW_ID = 65534;

/** An allocated range: container IDs 0..size-1 are the rootless namespace's start..start+size-1. */
export interface AutoRange { start: number; size: number }

/** What `auto[:size=N,uidmapping=C:H:S,gidmapping=C:H:S]` asks for. */
export interface AutoRequest { size?: number; uidMapping?: IdMapping[]; gidMapping?: IdMapping[] }

const u32 = (v: string) => /^\d+$/.test(v) && Number(v) <= 0xffffffff;

function parseMapping(key: string, value: string): IdMapping {
  const parts = value.split(":");
  if (parts.length !== 3 || !parts.every(u32) || Number(parts[2]) < 1) throw new SkiffError("INVALID_ARGUMENT", `--userns auto: invalid ${key} "${value}"`, { hint: "container:host:size, e.g. uidmapping=0:5000:10" });
  return { containerID: Number(parts[0]), hostID: Number(parts[1]), size: Number(parts[2]) };
}

/** `auto` with podman's options (size, uidmapping, gidmapping; the mappings may repeat); anything else is refused as podman does. */
export function parseAuto(mode: string): AutoRequest | undefined {
  if (mode !== "auto" && !mode.startsWith("auto:")) return undefined;
  const out: AutoRequest = {};
  for (const opt of mode.slice(5).split(",").filter(Boolean)) {
    const [key, value = ""] = opt.split("=", 2);
    if (key === "size") {
      if (!u32(value) || Number(value) < 1) throw new SkiffError("INVALID_ARGUMENT", `--userns auto: invalid size "${value}"`, { hint: "a number of IDs, e.g. auto:size=2048" });
      out.size = Number(value);
    } else if (key === "uidmapping") {
      (out.uidMapping ??= []).push(parseMapping(key, value));
    } else if (key === "gidmapping") {
      (out.gidMapping ??= []).push(parseMapping(key, value));
    } else {
      throw new SkiffError("INVALID_ARGUMENT", `unknown option specified: "${key}"`);
    }
  }
  return out;
}

/**
 * The container's mapping from its range and the IDs asked for by hand: those container IDs map
 * where asked, every other one of 0..size-1 takes the range's next ID not already asked for, as
 * podman 4.3.1 lays them out (tried: uidmapping=500:5000:10 gave "0 1 500", "510 501 514",
 * "500 5000 10"; with 5000 inside the range the run of IDs steps over 5000..5009). Pure.
 */
export function autoMapping(range: AutoRange, explicit: IdMapping[] = []): IdMapping[] {
  const within = (id: number, key: "containerID" | "hostID") => explicit.find((m) => id >= m[key] && id < m[key] + m.size);
  const out: IdMapping[] = [];
  let host = range.start;
  let id = 0;
  while (id < range.size) {
    const byHand = within(id, "containerID");
    if (byHand) {
      id = byHand.containerID + byHand.size;
      continue;
    }
    const taken = within(host, "hostID");
    if (taken) {
      host = taken.hostID + taken.size;
      continue;
    }
    // as far as neither the container's IDs nor the host's meet one asked for
    let n = 1;
    while (id + n < range.size && !within(id + n, "containerID") && !within(host + n, "hostID")) n++;
    const last = out.at(-1);
    if (last && last.containerID + last.size === id && last.hostID + last.size === host) last.size += n;
    else out.push({ containerID: id, hostID: host, size: n });
    id += n;
    host += n;
  }
  return [...out, ...explicit];
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
