/**
 * The container's /etc/hosts and /etc/resolv.conf (pure): from the host's files, the container's
 * own names and address, and --add-host, --dns, --dns-search, --dns-option as podman writes them.
 */
import { SkiffError } from "../errors.js";

export interface ResolverOptions { dns?: string[]; dnsSearch?: string[]; dnsOption?: string[] }
export interface HostEntry { host: string; ip: string }

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIP(value: string): boolean {
  if (IPV4.test(value)) return true;
  const v = value.replace(/%[A-Za-z0-9_.-]+$/, "");
  const halves = v.split("::");
  if (halves.length > 2) return false;
  const groups = halves.map((h) => (h === "" ? [] : h.split(":")));
  const all = groups.flat();
  let count = all.length;
  // an IPv4 tail (::ffff:1.2.3.4) counts as two groups
  if (all.length && all[all.length - 1].includes(".")) {
    if (!IPV4.test(all.pop()!)) return false;
    count++;
  }
  if (!all.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? count < 8 : count === 8;
}

/** --dns: IP addresses only (podman: "X is not an ip address"). */
export function parseDns(values: string[]): string[] {
  for (const v of values) if (!isIP(v)) throw new SkiffError("INVALID_ARGUMENT", `${v} is not an ip address`);
  return values;
}

/** --add-host HOST:IP (an IPv6 address keeps its colons: the host is what comes before the first). */
export function parseAddHost(value: string): HostEntry {
  const i = value.indexOf(":");
  const host = i < 0 ? "" : value.slice(0, i);
  const ip = i < 0 ? "" : value.slice(i + 1);
  if (!host || !/^[A-Za-z0-9_.-]+$/.test(host)) throw new SkiffError("INVALID_ARGUMENT", `bad format for add-host: ${JSON.stringify(value)}`, { hint: "use HOST:IP" });
  if (!isIP(ip)) throw new SkiffError("INVALID_ARGUMENT", `invalid IP address in add-host: ${JSON.stringify(ip)}`);
  return { host, ip };
}

/** --dns-search: domain names, or "." for none. */
export function parseDnsSearch(values: string[]): string[] {
  for (const v of values) {
    if (v !== "." && !/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?$/.test(v)) throw new SkiffError("INVALID_ARGUMENT", `invalid --dns-search "${v}"`);
  }
  return values;
}

export function parseDnsOption(values: string[]): string[] {
  for (const v of values) if (!/^[A-Za-z0-9_:.-]+$/.test(v)) throw new SkiffError("INVALID_ARGUMENT", `invalid --dns-option "${v}"`);
  return values;
}

/**
 * The host's resolver config without loopback nameservers (a stub resolver on the host is
 * unreachable from another netns), with the user's servers, search domains and options instead of
 * the host's where given.
 */
export function resolvConf(host: string, sharesHostNetwork: boolean, o: ResolverOptions = {}, ownResolver?: string): string {
  const lines = host.split("\n").map((l) => l.trimEnd()).filter(Boolean);
  const of = (key: string) => lines.filter((l) => new RegExp(`^\\s*${key}\\s`).test(l));
  let servers = of("nameserver").map((l) => l.trim().split(/\s+/)[1]);
  if (!sharesHostNetwork) servers = servers.filter((s) => !/^127\./.test(s) && s !== "::1");
  if (o.dns?.length) servers = o.dns;
  else if (ownResolver) servers = [ownResolver, ...servers];
  else if (!servers.length) servers = ["8.8.8.8", "8.8.4.4"];
  let search = of("search").flatMap((l) => l.trim().split(/\s+/).slice(1));
  if (o.dnsSearch?.length) search = o.dnsSearch.includes(".") ? [] : o.dnsSearch;
  const options = [...of("options").flatMap((l) => l.trim().split(/\s+/).slice(1)), ...(o.dnsOption ?? [])];
  const out = [
    ...(search.length ? [`search ${search.join(" ")}`] : []),
    ...servers.map((s) => `nameserver ${s}`),
    ...(options.length ? [`options ${[...new Set(options)].join(" ")}`] : []),
  ];
  return `${out.join("\n")}\n`;
}

/** The entries of a hosts file as "IP\tnames" lines (comments and blank lines dropped). */
function hostEntries(text: string): string[] {
  return text.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean).map((l) => l.split(/\s+/)).filter((f) => f.length > 1 && isIP(f[0])).map((f) => `${f[0]}\t${f.slice(1).join(" ")}`);
}

/**
 * /etc/hosts as podman writes it: --add-host entries first, the host's own entries, then
 * host.containers.internal (the network's gateway, or the host's address with --network host),
 * then the container's address and names (not with --network host: it has the host's).
 */
export function hostsFile(host: string, sharesHostNetwork: boolean, hostname: string, name: string, ip?: string, extra: HostEntry[] = [], hostAddress?: string): string {
  const own = hostEntries(host);
  const base = own.length ? own : ["127.0.0.1\tlocalhost localhost.localdomain", "::1\tlocalhost localhost.localdomain ip6-localhost ip6-loopback"];
  const lines = [...extra.map((e) => `${e.ip}\t${e.host}`), ...base];
  if (hostAddress && !lines.some((l) => l.split("\t")[1]?.split(" ").includes("host.containers.internal"))) lines.push(`${hostAddress}\thost.containers.internal`);
  if (!sharesHostNetwork) lines.push(`${ip ?? "127.0.1.1"}\t${hostname} ${name}`);
  return `${lines.join("\n")}\n`;
}

/**
 * The line podman adds to a container's /etc/passwd for a --user UID the image does not know
 * (so `id`, `whoami` and shells find a name and a home), or undefined when the UID is there.
 */
export function passwdLineFor(passwd: string, uid: number, gid: number): string | undefined {
  const known = passwd.split("\n").some((l) => l.split(":")[2] === String(uid));
  return known ? undefined : `${uid}:*:${uid}:${gid}:container user:/:/bin/sh`;
}

/** podman's /etc/group line for a primary GID the image does not know (its member: the user). */
export function groupLineFor(group: string, gid: number, uid: number): string | undefined {
  const known = group.split("\n").some((l) => l.split(":")[2] === String(gid));
  return known ? undefined : `${gid}:x:${gid}:${uid}`;
}

/** --hostuser NAME: the host's passwd line for NAME, when the image has no user of that name. */
export function hostUserLine(hostPasswd: string, imagePasswd: string, name: string): string | undefined {
  if (imagePasswd.split("\n").some((l) => l.split(":")[0] === name)) return undefined;
  const line = hostPasswd.split("\n").find((l) => l.split(":")[0] === name);
  if (!line) throw new SkiffError("NOT_FOUND", `--hostuser ${name}: no such user on the host`);
  return line;
}

/** /run/.containerenv: empty, as podman's, except for a --privileged container, which is told what it is. */
export function containerEnvFile(privileged: boolean, c: { name: string; id: string; image: string; imageId: string; version: string }): string {
  if (!privileged) return "";
  return `engine="skiff-${c.version}"\nname="${c.name}"\nid="${c.id}"\nimage="${c.image}"\nimageid="${c.imageId}"\nrootless=0\n`;
}
