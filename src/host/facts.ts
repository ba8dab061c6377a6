/**
 * Facts about the host that `info` reports and later commands decide on: cgroup layout, overlayfs,
 * CNI plugins, kernel. Parsers are pure; readers tolerate missing files (containers, odd kernels).
 */
import { readFileSync, readdirSync } from "node:fs";

/**
 * /proc/PID/stat from field 3 (the state letter) on; undefined when there is no such process. The
 * command name (field 2) may hold spaces and parentheses: the fields start after the last ')'.
 */
export function statFields(pid: number | string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

export type CgroupMode = "unified" | "hybrid" | "legacy" | "none";

/** A host file's text, or "" when it cannot be read (containers, odd kernels). */
export function readHostFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** From /proc/self/mounts: unified = cgroup2 at /sys/fs/cgroup; hybrid = v1 with cgroup2 beside it. */
export function cgroupModeFromMounts(mounts: string): CgroupMode {
  const entries = mounts.split("\n").map((l) => l.split(" ")).filter((f) => f.length >= 3);
  const at = (dir: string) => entries.filter((f) => f[1] === dir).map((f) => f[2]);
  if (at("/sys/fs/cgroup").includes("cgroup2")) return "unified";
  const v1 = entries.some((f) => f[2] === "cgroup");
  if (v1 && entries.some((f) => f[2] === "cgroup2")) return "hybrid";
  return v1 ? "legacy" : "none";
}

/** overlay is listed in /proc/filesystems once the module is loaded or built in. */
export function overlayFromFilesystems(text: string): boolean {
  return text.split("\n").some((l) => l.trim().split(/\s+/).pop() === "overlay");
}

export const CNI_DIRS = ["/usr/lib/cni", "/usr/libexec/cni", "/opt/cni/bin"];
export const CNI_PLUGINS = ["bridge", "host-local", "portmap", "firewall", "loopback"];

export interface CniFacts {
  dir?: string;
  found: string[];
  missing: string[];
}

export function cniFacts(dirs = CNI_DIRS): CniFacts {
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const found = CNI_PLUGINS.filter((p) => names.includes(p));
    if (found.length > 0) return { dir, found, missing: CNI_PLUGINS.filter((p) => !found.includes(p)) };
  }
  return { found: [], missing: [...CNI_PLUGINS] };
}

export function cgroupMode(): CgroupMode {
  return cgroupModeFromMounts(readHostFile("/proc/self/mounts"));
}

export function overlaySupported(): boolean {
  return overlayFromFilesystems(readHostFile("/proc/filesystems"));
}

export function kernelRelease(): string {
  return readHostFile("/proc/sys/kernel/osrelease").trim();
}
