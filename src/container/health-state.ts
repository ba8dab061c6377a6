/** A container's health state on disk (healthcheck.json beside its state, as podman keeps it): read by ps and inspect, written by probes. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import type { HealthState } from "./health.js";
import { containerDir, type ContainerPaths } from "./paths.js";

export const healthFile = (p: ContainerPaths, id: string) => join(containerDir(p, id), "healthcheck.json");
export const healthLock = (p: ContainerPaths, id: string) => join(p.runroot, "locks", `health-${id}.lock`);

export function readHealth(p: ContainerPaths, id: string): HealthState | undefined {
  try {
    const s = JSON.parse(readFileSync(healthFile(p, id), "utf8")) as HealthState;
    return s && typeof s.Status === "string" && Array.isArray(s.Log) ? s : undefined;
  } catch {
    return undefined;
  }
}

export function writeHealth(p: ContainerPaths, id: string, s: HealthState): void {
  writeFileAtomic(healthFile(p, id), JSON.stringify(s), 0o600, false);
}

