/**
 * A container's network attachment as recorded in `--runroot/networks/<id>.json`: its namespace and
 * interfaces, written before each step of the setup so a teardown after a crash undoes exactly
 * that; read by ps, inspect and port. Bridges (attach.ts) and user-mode networks (usermode.ts)
 * record the same shape.
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import type { Conflist } from "./cni.js";
import type { Peer } from "./names.js";
import type { PortMapping } from "./ports.js";

/** One interface of a container on one network (eth0 on the first, eth1 on the next, ...). */
export interface Link {
  network: string;
  ifname: string;
  conflist: Conflist;
  /** The plugins' ADD result, kept for DEL. */
  result?: unknown;
  ip?: string;
  /** Published ports (the first network carries them). */
  ports: PortMapping[];
  /** Rootless: slirp4netns's IDs of the forwards of `ports` to the rootless namespace. */
  forwards?: number[];
  /** The container's name and aliases on this network (how peers on a user network reach it). */
  names: string[];
}

/** A container's network namespace and its interfaces, as set up (or being set up). */
export interface Attachment {
  id: string;
  netns: string;
  /** The hosts file that peers' lines are added to. */
  hostsFile: string;
  links: Link[];
  /** Rootless bridges: the store's own namespace the plugins run in (network/rootless-netns.ts). */
  host?: { netns: string; api: string; xtablesLock: string };
  /** A user-mode network's helper (network/usermode.ts): its process, to stop, and its API socket if any. */
  helper?: { kind: string; pid: number; start: number; api?: string };
}

export const stateFile = (runroot: string, id: string) => join(runroot, "networks", `${id}.json`);

/**
 * What a writer killed during an atomic write of an attachment left (".ID.json.PID.TIME.tmp", see
 * util/atomic.ts): of container `id`, or of any writer that is gone. Nothing was set up after it
 * (the record is written before each step), so it is only removed.
 */
export function removeStaleWrites(runroot: string, id?: string): void {
  const dir = join(runroot, "networks");
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.([0-9a-f]{64})\.json\.(\d+)\.[0-9a-z]+\.tmp$/.exec(name);
    if (!m || (id !== undefined ? m[1] !== id : existsSync(`/proc/${m[2]}`))) continue;
    rmSync(join(dir, name), { force: true });
  }
}

/** Who the container is on its networks; `userns`: its own user namespace (keep-id), which its network namespace must belong to. */
export interface Who { names: string[]; hostsFile: string; aliases?: Record<string, string[]>; userns?: string }

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

/** The other containers attached to `network` now, with their address on it and their hosts file. */
export function peersOf(runroot: string, id: string, network: string): (Peer & { hostsFile: string })[] {
  const out: (Peer & { hostsFile: string })[] = [];
  for (const other of attachedContainers(runroot)) {
    if (other === id) continue;
    const att = readAttachment(runroot, other);
    const link = att?.links.find((l) => l.network === network && l.ip);
    if (att && link) out.push({ id: other, ip: link.ip!, names: link.names, network, hostsFile: att.hostsFile });
  }
  return out;
}

export function readAttachment(runroot: string, id: string): Attachment | undefined {
  let doc: Attachment & { network?: string; ip?: string; result?: unknown; conflist?: Conflist; ports?: PortMapping[]; names?: string[] };
  try {
    doc = JSON.parse(readFileSync(stateFile(runroot, id), "utf8"));
  } catch {
    return undefined;
  }
  // a record written by a skiff with one network per container (the runroot outlives an upgrade)
  if (!doc.links && doc.network && doc.conflist) {
    doc.links = [{ network: doc.network, ifname: "eth0", conflist: doc.conflist, result: doc.result, ip: doc.ip, ports: doc.ports ?? [], names: doc.names ?? [] }];
  }
  return { id: doc.id ?? id, netns: doc.netns, hostsFile: doc.hostsFile ?? "", links: doc.links ?? [], ...(doc.helper ? { helper: doc.helper } : {}), ...(doc.host ? { host: doc.host } : {}) };
}

/** Published ports of an attachment (all links). */
export const attachedPorts = (att: Attachment | undefined): PortMapping[] => att?.links.flatMap((l) => l.ports) ?? [];

/** A running container's network as inspect and ps show it: ports and, per link, the plugins' result. */
export function networkView(att: Attachment) {
  return {
    ports: attachedPorts(att),
    links: att.links.map((l) => {
      const r = l.result as { ips?: { address: string; gateway?: string; interface?: number }[]; interfaces?: { mac?: string }[] } | undefined;
      const ip4 = r?.ips?.find((i) => i.address.includes("."));
      return {
        network: l.network, ifname: l.ifname, ip: l.ip, aliases: l.names.slice(1),
        prefixLen: ip4 ? Number(ip4.address.split("/")[1]) : undefined, gateway: ip4?.gateway,
        mac: ip4?.interface !== undefined ? r?.interfaces?.[ip4.interface]?.mac : undefined,
      };
    }),
  };
}

export const writeAttachment = (runroot: string, att: Attachment) => writeFileAtomic(stateFile(runroot, att.id), JSON.stringify(att));

