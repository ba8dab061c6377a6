/**
 * Whether a rootless container can have resource limits: only on cgroup v2 where the user's own
 * cgroup is delegated to it (systemd's user@.service gives it the memory, cpu and pids
 * controllers). Elsewhere (cgroup v1 and hybrid machines, no systemd) limits are dropped with one
 * warning at create.
 */
import { accessSync, constants, readFileSync } from "node:fs";
import { cgroupMode } from "../host/facts.js";

export function cgroupsDelegated(): boolean {
  if (cgroupMode() !== "unified") return false;
  try {
    const own = readFileSync("/proc/self/cgroup", "utf8").split("\n").find((l) => l.startsWith("0::"))?.slice(3);
    if (!own) return false;
    const dir = `/sys/fs/cgroup${own}`;
    accessSync(dir, constants.W_OK);
    return readFileSync(`${dir}/cgroup.controllers`, "utf8").split(/\s+/).includes("memory");
  } catch {
    return false;
  }
}

/** --pids-limit's default (run-options.ts, podman's): not a limit the user asked for. */
const DEFAULT_PIDS_LIMIT = 2048;

/** The limits a rootless create asked for that cannot apply here, by their flags. */
export function ignoredLimits(o: { memory?: number; memorySwap?: number; memoryReservation?: number; cpus?: number; cpuShares?: number; cpusetCpus?: string; cpusetMems?: string; pidsLimit?: number }): string[] {
  const flags: [unknown, string][] = [[o.memory, "--memory"], [o.memorySwap, "--memory-swap"], [o.memoryReservation, "--memory-reservation"], [o.cpus, "--cpus"], [o.cpuShares, "--cpu-shares"], [o.cpusetCpus, "--cpuset-cpus"], [o.cpusetMems, "--cpuset-mems"], [o.pidsLimit === DEFAULT_PIDS_LIMIT ? undefined : o.pidsLimit, "--pids-limit"]];
  return flags.filter(([v]) => v !== undefined && v !== 0 && v !== "").map(([, f]) => f);
}
