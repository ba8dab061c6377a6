/**
 * Where a rootless store's bridges live (podman 3.2+'s "rootless netns"): one network namespace
 * per runroot, reached from the host through slirp4netns, in which the CNI plugins run as they run
 * on the host as root: the bridge, the containers' veths, leases under the runroot, iptables with
 * its lock under the runroot. Published ports are slirp4netns forwards from the host to that
 * namespace, where the portmap plugin's DNAT takes them to the container.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import { procStartTime } from "../container/liveness.js";
import { writeFileAtomic } from "../util/atomic.js";
import { withLock } from "../util/lock.js";
import type { PortMapping } from "./ports.js";
import { removeNsFile } from "../rootless/ns-file.js";

/** The rootless namespace's file and its slirp4netns API socket. */
export interface HostSide { netns: string; api: string }

const dirOf = (runroot: string) => join(runroot, "rootless-netns");
export const rootlessIpamDir = (runroot: string) => join(runroot, "ipam");
/** iptables' lock (its default, /run/xtables.lock, is root's). */
export const xtablesLock = (runroot: string) => join(dirOf(runroot), "xtables.lock");
export const containerNetnsFile = (runroot: string, id: string) => join(runroot, "netns", id.slice(0, 12));

/** A persistent network namespace at `path` (a bind mount of its nsfs file), lo up; owned by `userns` when given. */
export async function makeNetnsFile(path: string, userns?: string): Promise<void> {
  mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
  if (existsSync(path)) removeNsFile(path);
  if (userns) return (await import("../rootless/container-userns.js")).makeNetnsIn(userns, path);
  writeFileSync(path, "");
  for (const argv of [["unshare", `--net=${path}`, "true"], ["nsenter", `--net=${path}`, "ip", "link", "set", "lo", "up"]]) {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
    if (r.status !== 0) throw new SkiffError("FAILED_PRECONDITION", `cannot make a network namespace: ${argv.join(" ")}: ${(r.stderr || String(r.error ?? "")).trim()}`, { exitCode: 126 });
  }
}


interface Holder { pid: number; start: number; api: string }

/** The runroot's rootless namespace, made (with its slirp4netns) when there is none or it died. */
export async function rootlessHost(runroot: string): Promise<HostSide> {
  const dir = dirOf(runroot);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const record = join(dir, "holder.json");
  const netns = join(dir, "netns");
  // alive, and its namespace mounted in this mount namespace (a new holder of the user namespace
  // starts a new one, without the old bind mount): otherwise it is made again
  const live = (): HostSide | undefined => {
    try {
      const h = JSON.parse(readFileSync(record, "utf8")) as Holder;
      if (procStartTime(h.pid) !== h.start) return undefined;
      if (readFileSync("/proc/self/mountinfo", "utf8").includes(` ${netns} `)) return { netns, api: h.api };
      process.kill(h.pid, "SIGKILL");
    } catch { /* none */ }
    return undefined;
  };
  return live() ?? withLock(join(dir, "lock"), { what: "the rootless network namespace" }, async () => {
    const again = live();
    if (again) return again;
    const files = { netns, socket: join(dir, "api.sock"), log: join(dir, "slirp.log"), pid: join(dir, "slirp.pid") };
    await makeNetnsFile(files.netns);
    const { slirp4netns } = await import("./slirp.js");
    const s = await slirp4netns.start(files, []);
    // the bridge plugin's forwarding, in this namespace
    spawnSync("nsenter", [`--net=${files.netns}`, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    writeFileAtomic(record, JSON.stringify({ pid: s.pid, start: procStartTime(s.pid) ?? 0, api: files.socket } satisfies Holder), 0o600, false);
    return { netns: files.netns, api: files.socket };
  });
}

/** The host ports of a container on a rootless bridge, forwarded to the same ports of the rootless namespace. */
export async function forwardPorts(host: HostSide, ports: PortMapping[]): Promise<number[]> {
  const { addForward } = await import("./slirp.js");
  const ids: number[] = [];
  for (const p of ports) ids.push(await addForward(host.api, p, p.hostPort));
  return ids;
}

export async function unforwardPorts(host: HostSide, ids: number[]): Promise<void> {
  const { removeForward } = await import("./slirp.js");
  for (const id of ids) await removeForward(host.api, id).catch(() => undefined);
}

/** A removed network's bridge in the rootless namespace (when that namespace and the bridge exist). */
export function deleteBridge(runroot: string, bridge: string): void {
  const netns = join(dirOf(runroot), "netns");
  if (existsSync(netns)) spawnSync("nsenter", [`--net=${netns}`, "ip", "link", "delete", bridge], { stdio: "ignore" });
}

/** Ends the rootless namespace's slirp4netns and its namespace (system migrate): the next bridge makes them again. */
export function stopRootlessHost(runroot: string): void {
  const dir = dirOf(runroot);
  try {
    const h = JSON.parse(readFileSync(join(dir, "holder.json"), "utf8")) as Holder;
    if (procStartTime(h.pid) === h.start) process.kill(h.pid, "SIGKILL");
  } catch { /* none */ }
  removeNsFile(join(dir, "netns"));
  rmSync(join(dir, "holder.json"), { force: true });
}
