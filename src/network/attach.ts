/**
 * A container on a bridge network: its own network namespace (`ip netns`, so it outlives no
 * process and is found by name), the CNI plugins' ADD at start and DEL at the end. What was set up
 * is written down before it is done, so teardown after a crash undoes exactly that.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { SkiffError } from "../errors.js";
import { createHash } from "../util/crypto.js";
import { withLock } from "../util/lock.js";
import { cniAdd, cniDel, resultAddress, type Conflist } from "./cni.js";
import { editHostsFile, updateHostsFile, withoutNetwork, type Peer } from "./names.js";
import { DEFAULT_NETWORK, IPAM_DIR, cniName, conflist, portMappings, type Network } from "./config.js";
import type { PortMapping } from "./ports.js";
import { inUserNamespace } from "../rootless/userns.js";
import { peersOf, readAttachment, removeStaleWrites, stateFile, writeAttachment, type Attachment, type Link, type Who } from "./attachment.js";
import { claimPorts } from "./port-claims.js";

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

/** The address host-local leased to container `id`'s `ifname` in network `cniNetwork` (lease files: "<id>\r\n<ifname>"). */
function leaseOf(cniNetwork: string, id: string, ifname: string, ipamDir = IPAM_DIR): string | undefined {
  const dir = join(ipamDir, cniNetwork);
  try {
    return readdirSync(dir).find((f) => /^[\d.]+$/.test(f) && [id, `${id}\r\n${ifname}`].includes(readFileSync(join(dir, f), "utf8").trim()));
  } catch {
    return undefined;
  }
}

/**
 * The ADD result to tear a link down with. A setup killed after the plugins ran but before their
 * result was recorded leaves none; the firewall plugin removes its rules only for the addresses in
 * it, so it is rebuilt from the address lease (the one fact of the result that DEL needs).
 */
function resultForDel(att: Attachment, link: Link): unknown {
  if (link.result) return link.result;
  const address = leaseOf(link.conflist.name, att.id, link.ifname, ipamDirOf(link));
  const range = (link.conflist.plugins[0] as { ipam?: { ranges?: { subnet: string; gateway?: string }[][] } }).ipam?.ranges?.[0]?.[0];
  if (!address || !range) return undefined;
  return {
    cniVersion: link.conflist.cniVersion,
    interfaces: [{ name: link.ifname, sandbox: att.netns }],
    ips: [{ address: `${address}/${range.subnet.split("/")[1]}`, gateway: range.gateway, interface: 0 }],
  };
}

/** One setup or teardown of a container's network at a time (the shim and a CLI may both try). */
function netLock<T>(runroot: string, id: string, fn: () => Promise<T>): Promise<T> {
  return withLock(join(runroot, "locks", `net-${id}.lock`), { what: `network of container ${id.slice(0, 12)}` }, fn);
}

/** Sets up the namespace and one interface per network, in order; `ports` go to the first. */
export function attachNetwork(runroot: string, id: string, nets: Network[], ports: PortMapping[], who: Who): Promise<Attachment> {
  return attachWith(runroot, id, () => attachLocked(runroot, id, nets, ports, who));
}

/** Runs `setup` under the container's network lock, after undoing whatever a crashed start left. */
export function attachWith(runroot: string, id: string, setup: () => Promise<Attachment>): Promise<Attachment> {
  return netLock(runroot, id, async () => {
    await detachLocked(runroot, id);
    return setup();
  });
}

/** The host-local leases' directory a link's conflist names. */
const ipamDirOf = (link: Link) => ((link.conflist.plugins?.[0] as { ipam?: { dataDir?: string } } | undefined)?.ipam?.dataDir ?? IPAM_DIR);

function newLink(net: Network, index: number, ports: PortMapping[], names: string[], ipamDir = IPAM_DIR): Link {
  return { network: net.name, ifname: `eth${index}`, conflist: conflist(net, { defaultRoute: index === 0, ports: ports.length > 0, ipamDir }) as Conflist, ports, names };
}

/** Rootless: the store's own namespace the plugins run in (made on first use), and where the container's goes. */
async function rootlessSide(runroot: string, id: string) {
  const r = await import("./rootless-netns.js");
  const host = await r.rootlessHost(runroot);
  return { host: { ...host, xtablesLock: r.xtablesLock(runroot) }, netns: r.containerNetnsFile(runroot, id), ipamDir: r.rootlessIpamDir(runroot), make: r.makeNetnsFile };
}

async function attachLocked(runroot: string, id: string, nets: Network[], ports: PortMapping[], who: Who): Promise<Attachment> {
  const links0: Link[] = [];
  const rootless = inUserNamespace() ? await rootlessSide(runroot, id) : undefined;
  const att: Attachment = { id, netns: rootless?.netns ?? `/run/netns/${netnsName(runroot, id)}`, hostsFile: who.hostsFile, links: links0, ...(rootless ? { host: rootless.host } : {}) };
  await claimPorts(runroot, att, ports, (assigned) => {
    att.links = nets.map((n, i) => newLink(n, i, i === 0 ? assigned : [], [...who.names, ...(who.aliases?.[n.name] ?? [])], rootless?.ipamDir));
  });
  const links = att.links;
  if (rootless) await rootless.make(att.netns, who.userns);
  else {
    // a namespace of this name with no record is a leftover (a reboot clears both; a test may not)
    if (existsSync(att.netns)) await ip(["netns", "delete", netnsName(runroot, id)]);
    await ip(["netns", "add", netnsName(runroot, id)]);
    await ip(["-n", netnsName(runroot, id), "link", "set", "lo", "up"]);
  }
  for (const link of links) await addLink(runroot, att, link);
  return att;
}

/** ADD of one link; the attachment is written before (what to undo) and after (the result). */
async function addLink(runroot: string, att: Attachment, link: Link): Promise<void> {
  const call = { containerId: att.id, netns: att.netns, ifname: link.ifname };
  // an address still leased to this interface (its record lost with a reboot-like wipe of the
  // runroot) would make the IPAM plugin refuse a second one: release it first
  if (leaseOf(link.conflist.name, att.id, link.ifname, ipamDirOf(link))) await cniDel(link.conflist, call, {}, undefined, att.host).catch(() => undefined);
  link.result = await cniAdd(link.conflist, call, { portMappings: portMappings(pluginPorts(att, link)) }, att.host);
  link.ip = resultAddress(link.result);
  writeAttachment(runroot, att);
  if (att.host && link.ports.length) {
    link.forwards = await (await import("./rootless-netns.js")).forwardPorts(att.host, link.ports);
    writeAttachment(runroot, att);
  }
}

/**
 * The ports the portmap plugin maps: rootless, they arrive at the rootless namespace's own address
 * (slirp4netns forwards them there; the host address is slirp4netns's to bind), so any address.
 */
const pluginPorts = (att: Attachment, link: Link) => (att.host ? link.ports.map((p) => ({ ...p, hostIp: "" })) : link.ports);

/** DEL of one link, and its name lines out of its peers' hosts files. */
async function removeLink(runroot: string, att: Attachment, link: Link): Promise<void> {
  if (link.ip) for (const peer of peersOf(runroot, att.id, link.network)) updateHostsFile(peer.hostsFile, { id: att.id, ip: link.ip, names: link.names, network: link.network }, false);
  if (att.host && link.forwards?.length) await (await import("./rootless-netns.js")).unforwardPorts(att.host, link.forwards);
  const result = resultForDel(att, link);
  if (existsSync(att.netns) || result) {
    const netns = existsSync(att.netns) ? att.netns : "";
    await cniDel(link.conflist, { containerId: att.id, netns, ifname: link.ifname }, { portMappings: portMappings(pluginPorts(att, link)) }, result, att.host);
  }
}

/**
 * On a user network, peers know each other by name: this container's line goes into the hosts file
 * of every peer on `link`'s network; the peers are returned, for this container's own file. The
 * default network, like podman's, resolves no names.
 */
export function announce(runroot: string, id: string, link: Link): Peer[] {
  if (!link.ip || link.network === DEFAULT_NETWORK) return [];
  const peers = peersOf(runroot, id, link.network);
  for (const peer of peers) updateHostsFile(peer.hostsFile, { id, ip: link.ip, names: link.names, network: link.network }, true);
  return peers;
}

/**
 * Adds a network to a running container (network connect): the next free interface, names
 * exchanged with the peers on it. Returns the new link.
 */
export function connectNetwork(runroot: string, id: string, net: Network, names: string[]): Promise<Link> {
  return netLock(runroot, id, async () => {
    const att = readAttachment(runroot, id);
    if (!att || !existsSync(att.netns)) throw new SkiffError("FAILED_PRECONDITION", `container ${id.slice(0, 12)} has no network namespace of its own to connect`);
    if (att.links.some((l) => l.network === net.name)) throw new SkiffError("ALREADY_EXISTS", `container ${id.slice(0, 12)} is already connected to network ${net.name}`);
    let index = 0;
    while (att.links.some((l) => l.ifname === `eth${index}`)) index++;
    const ipamDir = att.host ? (await import("./rootless-netns.js")).rootlessIpamDir(runroot) : IPAM_DIR;
    const link = newLink(net, index, [], names, ipamDir);
    // the first interface of a container that lost all others takes the default route again
    if (att.links.length === 0) link.conflist = conflist(net, { defaultRoute: true, ports: false, ipamDir }) as Conflist;
    att.links.push(link);
    writeAttachment(runroot, att);
    try {
      await addLink(runroot, att, link);
    } catch (err) {
      await removeLink(runroot, att, link).catch(() => undefined);
      att.links = att.links.filter((l) => l !== link);
      writeAttachment(runroot, att);
      throw err;
    }
    for (const peer of announce(runroot, id, link)) updateHostsFile(att.hostsFile, peer, true);
    return link;
  });
}

/** Takes a network away from a running container (network disconnect). */
export function disconnectNetwork(runroot: string, id: string, network: string): Promise<void> {
  return netLock(runroot, id, async () => {
    const att = readAttachment(runroot, id);
    const link = att?.links.find((l) => l.network === network);
    if (!att || !link) return;
    await removeLink(runroot, att, link);
    editHostsFile(att.hostsFile, (text) => withoutNetwork(text, network));
    att.links = att.links.filter((l) => l !== link);
    writeAttachment(runroot, att);
  });
}

/** Undoes attachNetwork (or what part of it happened); safe to repeat, and to race. */
export function detachNetwork(runroot: string, id: string): Promise<void> {
  return netLock(runroot, id, () => detachLocked(runroot, id));
}

async function detachLocked(runroot: string, id: string): Promise<void> {
  // under the container's network lock: no write of this container's record is under way
  removeStaleWrites(runroot, id);
  const att = readAttachment(runroot, id);
  if (!att) return;
  if (att.helper || att.links.some((l) => l.network === "slirp4netns" || l.network === "pasta")) {
    await (await import("./usermode.js")).detachUserMode(att);
    rmSync(stateFile(runroot, id), { force: true });
    return;
  }
  let first: unknown;
  for (const link of [...att.links].reverse()) await removeLink(runroot, att, link).catch((e) => (first ??= e));
  if (att.host) (await import("../rootless/ns-file.js")).removeNsFile(att.netns);
  else if (existsSync(att.netns)) await ip(["netns", "delete", basename(att.netns)]).catch((e) => (first ??= e));
  if (first) throw first;
  rmSync(stateFile(runroot, id), { force: true });
}

/** The host side of a removed network: its bridge (the plugins leave it) and its leases; rootless, in the store's namespace. */
export async function removeBridge(net: Network, runroot: string): Promise<void> {
  if (inUserNamespace()) {
    const r = await import("./rootless-netns.js");
    r.deleteBridge(runroot, net.bridge);
    rmSync(join(r.rootlessIpamDir(runroot), cniName(net)), { recursive: true, force: true });
    return;
  }
  if (existsSync(`/sys/class/net/${net.bridge}`)) await ip(["link", "delete", net.bridge]);
  rmSync(join(IPAM_DIR, cniName(net)), { recursive: true, force: true });
}
