/**
 * Networks and their CNI configuration lists. A network is a bridge with a subnet; its conflist
 * chains the standard plugins (bridge with host-local IPAM, portmap, firewall), as podman's CNI
 * backend does. Pure.
 */
import { SkiffError } from "../errors.js";
import type { PortMapping } from "./ports.js";

export interface Network {
  name: string;
  id: string;
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
  labels: Record<string, string>;
  created: string;
}

export const DEFAULT_NETWORK = "skiff";

/** "bridge" is how users name the default network, as with podman's "podman". Pure. */
export const canonicalNetwork = (name: string) => (name === "bridge" ? DEFAULT_NETWORK : name);
export const CNI_VERSION = "1.0.0";

function ipToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new SkiffError("INVALID_ARGUMENT", `invalid IPv4 address "${ip}"`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** "10.90.0.0/16" → network address and prefix, checked. */
export function parseSubnet(cidr: string): { base: number; prefix: number } {
  const m = /^([\d.]+)\/(\d+)$/.exec(cidr);
  if (!m || Number(m[2]) < 8 || Number(m[2]) > 30) throw new SkiffError("INVALID_ARGUMENT", `invalid subnet "${cidr}"`, { hint: "use an IPv4 CIDR such as 10.91.0.0/24 (prefix 8 to 30)" });
  const prefix = Number(m[2]);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const base = ipToInt(m[1]);
  if ((base & mask) >>> 0 !== base) throw new SkiffError("INVALID_ARGUMENT", `invalid subnet "${cidr}": host bits set`, { hint: `did you mean ${intToIp((base & mask) >>> 0)}/${prefix}?` });
  return { base, prefix };
}

export function inSubnet(ip: string, cidr: string): boolean {
  const { base, prefix } = parseSubnet(cidr);
  const mask = (~0 << (32 - prefix)) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === base;
}

/** The first host address of the subnet (the bridge's). */
export function defaultGateway(cidr: string): string {
  return intToIp(parseSubnet(cidr).base + 1);
}

export function overlaps(a: string, b: string): boolean {
  const x = parseSubnet(a), y = parseSubnet(b);
  const p = Math.min(x.prefix, y.prefix);
  const mask = (~0 << (32 - p)) >>> 0;
  return ((x.base & mask) >>> 0) === ((y.base & mask) >>> 0);
}

/**
 * The name the plugins know a network by (their lease directory, their rule comments). Bridges and
 * addresses are the host's, shared by every skiff store on it: the default network is the same
 * everywhere, a user network is named after its unique ID.
 */
export function cniName(net: Network): string {
  return net.name === DEFAULT_NETWORK ? DEFAULT_NETWORK : `skiff-${net.id.slice(0, 12)}`;
}

/** Leases live on the host's tmpfs (gone at reboot, as the containers are), shared by all stores. */
export const IPAM_DIR = "/run/skiff-ipam";

/**
 * The conflist handed to the plugins. Only a container's first network gives it a default route
 * (a second one would clash); the others reach their own subnet. portmap is chained only for a
 * link with published ports: without any its ADD does nothing, and its DEL still makes a dozen
 * iptables calls. Each attachment keeps its own list, so DEL runs what ADD ran.
 */
export function conflist(net: Network, { defaultRoute = true, ports = true, ipamDir = IPAM_DIR } = {}) {
  return {
    cniVersion: CNI_VERSION,
    name: cniName(net),
    plugins: [
      {
        type: "bridge",
        bridge: net.bridge,
        isGateway: true,
        ipMasq: !net.internal,
        hairpinMode: true,
        ipam: { type: "host-local", ranges: [[{ subnet: net.subnet, gateway: net.gateway }]], routes: net.internal || !defaultRoute ? [] : [{ dst: "0.0.0.0/0" }], dataDir: ipamDir },
      },
      ...(ports ? [{ type: "portmap", capabilities: { portMappings: true } }] : []),
      { type: "firewall" },
    ],
  };
}

/** portmap's runtimeConfig entries. */
export function portMappings(ports: PortMapping[]) {
  return ports.map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol, hostIP: p.hostIp || undefined }));
}
