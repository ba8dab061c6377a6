/**
 * The run/create flags of cgroup resources, time zone, host environment, user namespace and host
 * users (podman's names and rules), checked here so a bad value fails before anything exists.
 * Pure: host facts (the zone files, the environment) come in as arguments.
 */
import { SkiffError } from "../errors.js";
import { parseSize } from "../spec/values.js";
import { parseAuto, type AutoRange } from "../rootless/auto-userns.js";
import type { IdMapping } from "../rootless/keep-id.js";

export interface ResourceOptions {
  /** /dev/shm's size in bytes (podman's default: 64m). */
  shmSize?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** memory + swap in bytes; -1: unlimited swap. */
  memorySwap?: number;
  memoryReservation?: number;
  /** --tz: a zone name ("local": the host's), its file mounted at /etc/localtime. */
  tz?: string;
  /** --hostuser: host users whose passwd line the container gets. */
  hostUsers?: string[];
  /** --userns: "" (the host's, podman's default as root) or "host". */
  userns?: string;
  /** --userns keep-id: the user outside (its UID and GID are kept), set at create (run.ts). */
  keepId?: { uid: number; gid: number };
  /** The user outside is not mapped into the container: --userns nomap and auto (rootless only, run.ts). */
  nomap?: boolean;
  /** --storage-driver vfs at create: the container's root is a copy of its own, not an overlay (vfs-rootfs.ts). */
  storageDriver?: "vfs";
  /** --userns auto: the range of the rootless namespace's IDs this container got at create (create.ts). */
  autoIds?: AutoRange & { uidMapping?: IdMapping[]; gidMapping?: IdMapping[] };
}

const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;
const TZ_NAME = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;
const strings = (v: unknown) => (Array.isArray(v) ? (v as string[]) : []);

export function parseResourceOptions(opts: Record<string, unknown>, memory: number | undefined, zoneExists: (name: string) => boolean): ResourceOptions {
  const out: ResourceOptions = {};
  if (typeof opts.shmSize === "string") {
    const bytes = parseSize(opts.shmSize, "--shm-size");
    if (bytes > 0) out.shmSize = bytes; // 0: the default, as podman takes it
  }
  if (opts.cpuShares !== undefined) {
    const n = Number(opts.cpuShares);
    if (!Number.isInteger(n) || n < 0 || n > 262144) throw new SkiffError("INVALID_ARGUMENT", `invalid --cpu-shares "${String(opts.cpuShares)}"`, { hint: "a whole number from 2 to 262144 (0: the default)" });
    if (n > 0) out.cpuShares = Math.max(n, 2);
  }
  for (const [key, flag] of [["cpusetCpus", "--cpuset-cpus"], ["cpusetMems", "--cpuset-mems"]] as const) {
    const v = opts[key];
    if (typeof v !== "string" || v === "") continue;
    if (!CPU_LIST.test(v)) throw new SkiffError("INVALID_ARGUMENT", `invalid ${flag} "${v}"`, { hint: "a list like 0-3 or 0,2" });
    out[key] = v;
  }
  if (typeof opts.memorySwap === "string") {
    const swap = opts.memorySwap === "-1" ? -1 : parseSize(opts.memorySwap, "--memory-swap");
    if (swap !== -1 && memory === undefined) throw new SkiffError("INVALID_ARGUMENT", "--memory-swap needs --memory", { hint: "it is the limit of memory and swap together" });
    if (swap !== -1 && memory !== undefined && swap < memory) throw new SkiffError("INVALID_ARGUMENT", "--memory-swap must be at least --memory");
    out.memorySwap = swap;
  }
  if (typeof opts.memoryReservation === "string") out.memoryReservation = parseSize(opts.memoryReservation, "--memory-reservation");
  if (typeof opts.tz === "string" && opts.tz !== "") {
    const tz = opts.tz;
    if (tz !== "local" && (!TZ_NAME.test(tz) || tz.split("/").includes("..") || !zoneExists(tz))) {
      throw new SkiffError("INVALID_ARGUMENT", `finding timezone: unknown time zone ${tz}`, { hint: "a name from /usr/share/zoneinfo, or local" });
    }
    out.tz = tz;
  }
  const users = strings(opts.hostuser);
  for (const u of users) if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(u) && !/^\d+$/.test(u)) throw new SkiffError("INVALID_ARGUMENT", `invalid --hostuser "${u}"`);
  if (users.length) out.hostUsers = users;
  if (typeof opts.userns === "string") {
    if (opts.userns !== "" && opts.userns !== "host" && opts.userns !== "keep-id" && opts.userns !== "nomap" && !parseAuto(opts.userns)) {
      throw new SkiffError("NOT_IMPLEMENTED", `--userns ${opts.userns}: not supported yet`, { hint: "use host (the host's namespace as root, the rootless one for an ordinary user), keep-id (rootless: your own UID and GID in the container), nomap (rootless: only your subordinate IDs) or auto[:OPTIONS] (rootless: IDs of the container's own)" });
    }
    out.userns = opts.userns;
  }
  return out;
}

/** --env-host: the host's environment, before the image's and the user's (which win). */
export function hostEnvironment(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env).filter(([k, v]) => v !== undefined && k !== "" && !k.includes("=")).map(([k, v]) => `${k}=${v}`);
}
