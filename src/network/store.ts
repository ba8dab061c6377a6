/** Networks under --root/networks/<name>.json; the default one ("skiff") is made on first use. */
import { emitEvent } from "../events/log.js";
import { byText } from "../util/compare.js";
import { randomHex } from "../util/crypto.js";
import { mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isValidName } from "../util/name-rules.js";
import { SkiffError, errnoCode } from "../errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { withLock } from "../util/lock.js";
import { DEFAULT_NETWORK, canonicalNetwork, defaultGateway, overlaps, parseSubnet, type Network } from "./config.js";

export const networksDir = (root: string) => join(root, "networks");

function read(root: string, name: string): Network | undefined {
  if (!isValidName(name)) return undefined;
  try {
    return JSON.parse(readFileSync(join(networksDir(root), `${name}.json`), "utf8")) as Network;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  }
}

export function listNetworks(root: string): Network[] {
  let names: string[] = [];
  try {
    names = readdirSync(networksDir(root));
  } catch { /* none yet */ }
  const nets = names.filter((n) => n.endsWith(".json")).map((n) => read(root, n.slice(0, -5))).filter((n): n is Network => Boolean(n));
  if (!nets.some((n) => n.name === DEFAULT_NETWORK)) nets.push(defaultNetwork());
  return nets.sort((a, b) => byText(a.name, b.name));
}

function defaultNetwork(): Network {
  return { name: DEFAULT_NETWORK, id: "0".repeat(64), bridge: "skiff0", subnet: "10.90.0.0/16", gateway: "10.90.0.1", internal: false, labels: {}, created: new Date(0).toISOString() };
}

/** The network by name ("bridge" is the default one, as podman's "podman" is). */
export function findNetwork(root: string, name: string): Network | undefined {
  if (canonicalNetwork(name) === DEFAULT_NETWORK) return read(root, DEFAULT_NETWORK) ?? defaultNetwork();
  return read(root, name);
}

export function getNetwork(root: string, name: string): Network {
  const net = findNetwork(root, name);
  if (!net) throw new SkiffError("NOT_FOUND", `unable to find network with name or ID ${name}: network not found`);
  return net;
}

/** A free subnet 10.91.N.0/24 for a new network. */
function nextFree(existing: Network[]): string {
  for (let i = 0; i < 256; i++) {
    const subnet = `10.91.${i}.0/24`;
    if (!existing.some((n) => overlaps(n.subnet, subnet))) return subnet;
  }
  throw new SkiffError("UNAVAILABLE", "no free subnet left in 10.91.0.0/16", { hint: "give --subnet" });
}

/**
 * Creates a network. Under the store's network lock: two creates at once must not both take one
 * name or one free subnet (the check and the write are one step for everyone else).
 */
export async function createNetwork(root: string, name: string | undefined, opts: { subnet?: string; gateway?: string; internal?: boolean; labels?: Record<string, string> }): Promise<Network> {
  mkdirSync(networksDir(root), { recursive: true, mode: 0o700 });
  const net = await withLock(join(networksDir(root), ".lock"), { what: "the network list" }, () => createLocked(root, name, opts));
  emitEvent(root, { ID: net.id, Name: net.name, Status: "create", Type: "network", Attributes: null });
  return net;
}

function createLocked(root: string, name: string | undefined, opts: { subnet?: string; gateway?: string; internal?: boolean; labels?: Record<string, string> }): Network {
  const existing = listNetworks(root);
  const n = name ?? `skiff${existing.length}`;
  if (!isValidName(n)) throw new SkiffError("INVALID_ARGUMENT", `invalid network name "${n.slice(0, 64)}${n.length > 64 ? "…" : ""}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]* and have at most 200 characters`);
  if (n === "bridge" || n === "host" || n === "none" || existing.some((x) => x.name === n)) throw new SkiffError("ALREADY_EXISTS", `network name ${n} already used`);
  const subnet = opts.subnet ?? nextFree(existing);
  parseSubnet(subnet);
  const clash = existing.find((x) => overlaps(x.subnet, subnet));
  if (clash) throw new SkiffError("ALREADY_EXISTS", `subnet ${subnet} is already used by network ${clash.name}`);
  const id = randomHex(32);
  // the bridge is the host's: named after the unique ID, never after a name another store may use
  const net: Network = { name: n, id, bridge: `skbr-${id.slice(0, 8)}`, subnet, gateway: opts.gateway ?? defaultGateway(subnet), internal: Boolean(opts.internal), labels: opts.labels ?? {}, created: new Date().toISOString() };
  mkdirSync(networksDir(root), { recursive: true, mode: 0o700 });
  writeFileAtomic(join(networksDir(root), `${n}.json`), `${JSON.stringify(net, null, 1)}\n`);
  return net;
}

export function removeNetworkFile(root: string, name: string): void {
  emitEvent(root, { Name: name, Status: "remove", Type: "network", Attributes: null });
  rmSync(join(networksDir(root), `${name}.json`), { force: true });
}
