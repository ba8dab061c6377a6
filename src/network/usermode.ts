/**
 * User-mode networks (`--network slirp4netns` and `--network pasta`; one of them is the rootless
 * default, rootless-default.ts). The container's network namespace is a file under the
 * runroot (unshare --net=FILE: no /run/netns needed), connected to the host by a helper process
 * (slirp.ts, pasta.ts) that the attachment records, so ps, inspect, port and the teardown after a
 * crash treat it as they treat a bridge's.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import { procStartTime } from "../container/liveness.js";
import { inUserNamespace } from "../rootless/userns.js";
import { attachWith } from "./attach.js";
import { writeAttachment, type Attachment, type Link, type Who } from "./attachment.js";
import { claimPorts } from "./port-claims.js";
import type { Conflist } from "./cni.js";
import type { PortMapping } from "./ports.js";
import { makeNetnsFile } from "./rootless-netns.js";
import { removeNsFile } from "../rootless/ns-file.js";

export const USER_MODE_NETWORKS = ["slirp4netns", "pasta"] as const;
export type UserModeNetwork = (typeof USER_MODE_NETWORKS)[number];
export const isUserModeNetwork = (n: string): n is UserModeNetwork => (USER_MODE_NETWORKS as readonly string[]).includes(n);

/** The files of one container's user-mode network; short names (a unix socket's path has at most 107 bytes). */
export interface UserModeFiles { netns: string; socket: string; log: string; pid: string; /** the user namespace owning netns, when not the rootless one */ userns?: string }

/** What a backend started: its process (to stop) and the container's address as it sees it. */
export interface Started { pid: number; api?: string; ip: string; prefixLen: number; gateway: string; ifname: string }

export interface Backend {
  name: UserModeNetwork;
  /** Starts the helper on `files.netns` with `ports` forwarded; resolves once the network is up. */
  start(files: UserModeFiles, ports: PortMapping[]): Promise<Started>;
}

/** The first port a user may bind on the host (net.ipv4.ip_unprivileged_port_start). */
function unprivilegedPortStart(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").trim());
  } catch {
    return 1024;
  }
}

/** What the host will not let an ordinary user forward, said before anything is set up. */
function checkForwardable(ports: PortMapping[], network: string): void {
  const start = unprivilegedPortStart();
  for (const p of ports) {
    if (p.protocol === "sctp") throw new SkiffError("INVALID_ARGUMENT", `--network ${network} forwards tcp and udp ports, not sctp`, { exitCode: 126 });
    if (p.hostPort && p.hostPort < start && inUserNamespace()) {
      throw new SkiffError("PERMISSION_DENIED", `cannot expose privileged port ${p.hostPort} as an ordinary user`, {
        hint: `add 'net.ipv4.ip_unprivileged_port_start=${p.hostPort}' to /etc/sysctl.conf (currently ${start}), or choose a port number >= ${start}`,
        exitCode: 126,
      });
    }
  }
}

/** The first line of a helper's log that says what went wrong (not progress, not its consequences). */
export function helperError(log: string, noise: RegExp): string {
  try {
    return readFileSync(log, "utf8").split("\n").map((l) => l.trim()).find((l) => l && !noise.test(l)) ?? "";
  } catch {
    return "";
  }
}

/** The one hint for a helper that cannot open the tun device, or cannot run at all. */
export function helperFailure(network: string, text: string, why: string): SkiffError {
  const tun = /\btun\b/.test(text);
  return new SkiffError("FAILED_PRECONDITION", `${network} could not set up the network: ${text || why}`, {
    hint: tun ? `${network} needs /dev/net/tun readable and writable by every user (mode 0666, as Debian's udev makes it): run chmod 0666 /dev/net/tun as root, or use --network none or host` : "use --network none or host",
    exitCode: 126,
  });
}

export const notInstalled = (network: string, pkg: string) =>
  new SkiffError("FAILED_PRECONDITION", `${network} is not installed: it is what gives this container a network`, { hint: `install the ${pkg} package (apt-get install ${pkg}), or use --network none or host`, exitCode: 126 });

/** Makes the namespace, starts the backend in it; the attachment (written before each step). */
export function attachUserMode(runroot: string, id: string, ports: PortMapping[], who: Who, backend: Backend): Promise<Attachment> {
  return attachWith(runroot, id, async () => {
    checkForwardable(ports, backend.name);
    const dir = join(runroot, "usermode");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const base = join(dir, id.slice(0, 12));
    const files: UserModeFiles = { netns: `${base}.netns`, socket: `${base}.sock`, log: `${base}.log`, pid: `${base}.pid`, ...(who.userns ? { userns: who.userns } : {}) };
    const att: Attachment = { id, netns: files.netns, hostsFile: who.hostsFile, links: [] };
    const link: Link = { network: backend.name, ifname: "", conflist: { name: backend.name } as Conflist, ports: [], names: who.names };
    await claimPorts(runroot, att, ports, (assigned) => {
      link.ports = assigned;
      att.links = [link];
    });
    await makeNetnsFile(files.netns, who.userns);
    const s = await backend.start(files, link.ports);
    att.helper = { kind: backend.name, pid: s.pid, start: procStartTime(s.pid) ?? 0, ...(s.api ? { api: s.api } : {}) };
    Object.assign(link, {
      ifname: s.ifname,
      ip: s.ip,
      // what a CNI result would say, for inspect and ps
      result: { ips: [{ address: `${s.ip}/${s.prefixLen}`, gateway: s.gateway, interface: 0 }], interfaces: [{ name: s.ifname }] },
    });
    writeAttachment(runroot, att);
    return att;
  });
}

/** Stops the helper of `att` (when it is still the process recorded) and removes its namespace and files. */
export async function detachUserMode(att: Attachment): Promise<void> {
  const h = att.helper;
  if (h && procStartTime(h.pid) === h.start) {
    try {
      process.kill(h.pid, "SIGKILL");
    } catch { /* gone */ }
  }
  // lazily: a process of the container that outlived it may still hold the namespace
  removeNsFile(att.netns);
  const base = att.netns.replace(/\.netns$/, "");
  for (const f of [`${base}.sock`, `${base}.log`, `${base}.pid`]) rmSync(f, { force: true });
}
