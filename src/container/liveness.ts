/**
 * Is a container's shim still there? Decided from state alone (there is no daemon to ask): the
 * recorded shim pid must exist with the recorded start time (pids are reused) in the same boot.
 */
import { readdirSync, readFileSync } from "node:fs";
import { statFields } from "../host/facts.js";
import { isActive, type ContainerState } from "./record.js";

/** Every process: its pid, state letter and parent (from each /proc/PID/stat). */
export function processTable(): { pid: number; state: string; ppid: number }[] {
  const out: { pid: number; state: string; ppid: number }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(name);
    if (fields) out.push({ pid: Number(name), state: fields[0], ppid: Number(fields[1]) });
  }
  return out;
}

/** The children of `pid` (of all its threads), from /proc/PID/task/TID/children. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    let list = "";
    try {
      list = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8");
    } catch { /* the thread ended */ }
    out.push(...list.split(" ").filter(Boolean).map(Number));
  }
  return out;
}

/**
 * The children of `pid` that are zombies: a few small reads, where processTable() reads a file per
 * process of the machine (measured: most of the shim's own CPU time per health check).
 */
export function zombieChildren(pid: number): number[] {
  return childrenOf(pid).filter((child) => statFields(child)?.[0] === "Z");
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot); undefined when no such process. */
export function procStartTime(pid: number): number | undefined {
  const fields = statFields(pid);
  return !fields || fields[0] === "Z" ? undefined : Number(fields[19]);
}

let cachedBootId: string | undefined;
export function bootId(): string {
  cachedBootId ??= (() => {
    try {
      return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      return "unknown";
    }
  })();
  return cachedBootId;
}

export function shimAlive(s: ContainerState): boolean {
  if (!s.shimPid || s.bootId !== bootId()) return false;
  const started = procStartTime(s.shimPid);
  // no such process is never alive, also when no start time was recorded (undefined === undefined)
  if (started === undefined) return false;
  return s.shimStart === undefined || started === s.shimStart;
}

/** States in which a live shim is expected. */
export function expectsShim(s: ContainerState): boolean {
  return isActive(s.status);
}
