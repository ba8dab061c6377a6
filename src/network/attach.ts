/**
 * A container on a bridge network: its own network namespace (`ip netns`, so it outlives no
 * process and is found by name), the CNI plugins' ADD at start and DEL at the end. What was set up
 * is written down before it is done, so teardown after a crash undoes exactly that.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import { SkiffError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { withLock } from "../util/lock.js";
import { cniAdd, cniDel, resultAddress, type Conflist } from "./cni.js";
import { updateHostsFile } from "./names.js";
import { IPAM_DIR, cniName, conflist, portMappings, type Network } from "./config.js";
import type { PortMapping } from "./ports.js";

export interface Attachment {
  network: string;
  netns: string;
  ip?: string;
  ports: PortMapping[];
  conflist: Conflist;
  result?: unknown;
  id?: string;
  /** The container's name and --network-alias values (how peers on a user network reach it). */
  names?: string[];
  /** The hosts file that peers' lines are added to. */
  hostsFile?: string;
}

const stateFile = (runroot: string, id: string) => join(runroot, "networks", `${id}.json`);
/**
 * skiff-<store>-<container>: the store part (a hash of the runroot) keeps two skiff stores on one
 * host (another --runroot, a test) from ever touching each other's namespaces.
 */
export function netnsName(runroot: string, id: string): string {
  return `skiff-${createHash("sha256").update(runroot).digest("hex").slice(0, 6)}-${id.slice(0, 12)}`;
}

async function ip(args: string[]): Promise<void> {
  const { execFile } = await import("node:child_process");
  await new Promise<void>((resolve, reject) => execFile("ip", args, (err, _o, stderr) => (err ? reject(new SkiffError("FAILED_PRECONDITION", `ip ${args.join(" ")}: ${String(stderr).trim() || err.message}`)) : resolve())));
}

/** Whether host-local holds an address for container `id` in network `cniNetwork` (lease files: "<id>\r\n<ifname>"). */
function leasedTo(cniNetwork: string, id: string): boolean {
  const dir = join(IPAM_DIR, cniNetwork);
  try {
    return readdirSync(dir).some((f) => /^[\d.]+$/.test(f) && readFileSync(join(dir, f), "utf8").startsWith(id));
  } catch {
    return false;
  }
}

/** IDs of the containers with a network attachment recorded. */
export function attachedContainers(runroot: string): string[] {
  try {
    return readdirSync(join(runroot, "networks")).filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -5));
  } catch {
    return [];
  }
}

/** When the attachment was last written (ms), 0 when there is none. */
export function attachmentTime(runroot: string, id: string): number {
  try {
    return statSync(stateFile(runroot, id)).mtimeMs;
  } catch {
    return 0;
  }
}

/** The other containers attached to `network` now. */
export function peersOf(runroot: string, id: string, network: string): Attachment[] {
  return attachedContainers(runroot).filter((other) => other !== id).map((other) => readAttachment(runroot, other)).filter((a): a is Attachment => a?.network === network && Boolean(a.ip));
}

export function readAttachment(runroot: string, id: string): Attachment | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(runroot, id), "utf8")) as Attachment;
  } catch {
    return undefined;
  }
}

/** A free port on the host for -p without a host port (the kernel picks it). */
function freePort(protocol: string): Promise<number> {
  if (protocol !== "tcp") return Promise.resolve(20000 + Math.floor(Math.random() * 40000));
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "0.0.0.0", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** One setup or teardown of a container's network at a time (the shim and a CLI may both try). */
function netLock<T>(runroot: string, id: string, fn: () => Promise<T>): Promise<T> {
  return withLock(join(runroot, "locks", `net-${id}.lock`), { what: `network of container ${id.slice(0, 12)}` }, fn);
}

export function attachNetwork(runroot: string, id: string, net: Network, ports: PortMapping[], who: { names: string[]; hostsFile: string }): Promise<Attachment> {
  return netLock(runroot, id, async () => {
    await detachLocked(runroot, id); // whatever a crashed start left
    return attachLocked(runroot, id, net, ports, who);
  });
}

async function attachLocked(runroot: string, id: string, net: Network, ports: PortMapping[], who: { names: string[]; hostsFile: string }): Promise<Attachment> {
  const assigned: PortMapping[] = [];
  for (const p of ports) assigned.push(p.hostPort ? p : { ...p, hostPort: await freePort(p.protocol) });
  const list = conflist(net) as Conflist;
  const att: Attachment = { network: net.name, netns: `/run/netns/${netnsName(runroot, id)}`, ports: assigned, conflist: list, id, ...who };
  mkdirSync(join(runroot, "networks"), { recursive: true, mode: 0o700 });
  writeFileAtomic(stateFile(runroot, id), JSON.stringify(att));
  // a namespace of this name with no record is a leftover (a reboot clears both; a test may not)
  if (existsSync(att.netns)) await ip(["netns", "delete", netnsName(runroot, id)]);
  await ip(["netns", "add", netnsName(runroot, id)]);
  // an address still leased to this container (its record lost with a reboot-like wipe of the
  // runroot) would make the IPAM plugin refuse a second one: release it first
  if (leasedTo(list.name, id)) await cniDel(list, { containerId: id, netns: att.netns, ifname: "eth0" }, {}, undefined).catch(() => undefined);
  await ip(["-n", netnsName(runroot, id), "link", "set", "lo", "up"]);
  const result = await cniAdd(list, { containerId: id, netns: att.netns, ifname: "eth0" }, { portMappings: portMappings(assigned) });
  const done = { ...att, result, ip: resultAddress(result) };
  writeFileAtomic(stateFile(runroot, id), JSON.stringify(done));
  return done;
}

/** Undoes attachNetwork (or what part of it happened); safe to repeat, and to race. */
export function detachNetwork(runroot: string, id: string): Promise<void> {
  return netLock(runroot, id, () => detachLocked(runroot, id));
}

async function detachLocked(runroot: string, id: string): Promise<void> {
  const att = readAttachment(runroot, id);
  if (!att) return;
  if (att.ip && att.names) for (const peer of peersOf(runroot, id, att.network)) if (peer.hostsFile) updateHostsFile(peer.hostsFile, { id, ip: att.ip, names: att.names }, false);
  let first: unknown;
  if (existsSync(att.netns) || att.result) {
    await cniDel(att.conflist, { containerId: id, netns: existsSync(att.netns) ? att.netns : "", ifname: "eth0" }, { portMappings: portMappings(att.ports) }, att.result).catch((e) => (first = e));
  }
  if (existsSync(att.netns)) await ip(["netns", "delete", basename(att.netns)]).catch((e) => (first ??= e));
  if (first) throw first;
  rmSync(stateFile(runroot, id), { force: true });
}

/** The host side of a removed network: its bridge (the plugins leave it) and its leases. */
export async function removeBridge(net: Network): Promise<void> {
  if (existsSync(`/sys/class/net/${net.bridge}`)) await ip(["link", "delete", net.bridge]);
  rmSync(join(IPAM_DIR, cniName(net)), { recursive: true, force: true });
}
