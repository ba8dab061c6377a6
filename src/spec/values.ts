/** Parsing of run/create flag values: sizes (--memory 512m), limits (--ulimit nofile=1024:2048). Pure. */
import { SkiffError } from "../errors.js";
import { ALL_CAPS } from "./defaults.js";

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** "512m", "1.5g", "1048576" → bytes (binary units, as podman/docker). */
export function parseSize(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new SkiffError("INVALID_ARGUMENT", `invalid size "${value}" for ${flag}`, { hint: "use a number with an optional unit: b, k, m, g" });
  return Math.floor(Number(m[1]) * unit);
}

/** "nofile=1024:2048", "nproc=512", "core=-1" (unlimited) → name and limits. */
export function parseUlimit(value: string): { name: string; soft: number; hard: number } {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(value.trim());
  if (!m) throw new SkiffError("INVALID_ARGUMENT", `invalid --ulimit "${value}"`, { hint: "use TYPE=SOFT[:HARD], e.g. nofile=1024:2048" });
  const n = (s: string) => {
    if (Number(s) < -1) throw new SkiffError("INVALID_ARGUMENT", `invalid --ulimit "${value}": a limit is a number of at least 0, or -1 for unlimited`);
    return Number(s) === -1 ? Number.MAX_SAFE_INTEGER : Number(s);
  };
  const soft = n(m[2]), hard = m[3] === undefined ? soft : n(m[3]);
  if (soft > hard) throw new SkiffError("INVALID_ARGUMENT", `invalid --ulimit "${value}": soft limit above hard limit`);
  return { name: m[1], soft, hard };
}

/**
 * The capabilities in this process's bounding set ("CapBnd:\t000001fffeffffff" of
 * /proc/self/status): what --privileged and --cap-add ALL can give (a sandbox may lack some, and
 * runc fails on a capability it cannot keep). Everything when the line is missing.
 */
export function boundingCapsFromStatus(text: string): string[] {
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(text);
  if (!m) return [...ALL_CAPS];
  const mask = BigInt(`0x${m[1]}`);
  return ALL_CAPS.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/** "Max open files  1024  20000  files" lines of /proc/self/limits → hard limits by ulimit name. */
export function hardLimitsFromProc(text: string): Record<string, number> {
  const names: Record<string, string> = {
    "Max cpu time": "cpu", "Max file size": "fsize", "Max data size": "data", "Max stack size": "stack",
    "Max core file size": "core", "Max resident set": "rss", "Max processes": "nproc", "Max open files": "nofile",
    "Max locked memory": "memlock", "Max address space": "as", "Max file locks": "locks", "Max pending signals": "sigpending",
    "Max msgqueue size": "msgqueue", "Max nice priority": "nice", "Max realtime priority": "rtprio", "Max realtime timeout": "rttime",
  };
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const label = Object.keys(names).find((k) => line.startsWith(k));
    if (!label) continue;
    const fields = line.slice(label.length).trim().split(/\s+/);
    out[names[label]] = fields[1] === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(fields[1]);
  }
  return out;
}

/**
 * --sysctl KEY=VALUE: only what is namespaced (podman's rule): IPC (kernel.msg*, kernel.sem,
 * kernel.shm*, fs.mqueue.*), UTS (kernel.hostname, kernel.domainname) and, without the host's
 * network, net.*.
 */
export function parseSysctls(entries: string[], hostNetwork: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const i = e.indexOf("=");
    const key = i < 0 ? "" : e.slice(0, i);
    if (!key || !/^[a-z0-9_]+(?:[./][a-z0-9_-]+)+$/i.test(key)) throw new SkiffError("INVALID_ARGUMENT", `invalid --sysctl "${e}"`, { hint: "use KEY=VALUE" });
    const ipc = /^(kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)|fs\.mqueue\..+)$/.test(key);
    // the OCI spec's hostname field owns them (runc refuses both at once): podman's words
    if (key === "kernel.hostname" || key === "kernel.domainname") throw new SkiffError("INVALID_ARGUMENT", `sysctl '${key}' is not allowed`, { hint: key === "kernel.hostname" ? "use --hostname" : undefined });
    const net = key.startsWith("net.");
    if (net && hostNetwork) throw new SkiffError("INVALID_ARGUMENT", `sysctl "${key}" is not allowed in the host's network namespace`);
    if (!ipc && !net) throw new SkiffError("INVALID_ARGUMENT", `sysctl "${key}" is not allowed`, { hint: "only namespaced sysctls: kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, net.*" });
    out[key.replace(/\//g, ".")] = e.slice(i + 1);
  }
  return out;
}
