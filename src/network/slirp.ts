/**
 * --network slirp4netns (the rootless default, as podman 4's): the container's own network
 * namespace, a file under the runroot (unshare --net=FILE: no /run/netns needed), connected to the
 * host by a slirp4netns process (user-mode TCP/IP on a tap device); published ports are added
 * through its API socket. Recorded as an Attachment like a bridge's, so ps, inspect, port and the
 * teardown after a crash treat both alike.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import { procStartTime } from "../container/liveness.js";
import { attachWith, claimPorts, writeAttachment, type Attachment, type Who } from "./attach.js";
import type { Conflist } from "./cni.js";
import type { PortMapping } from "./ports.js";
import { inUserNamespace } from "../rootless/userns.js";

export const SLIRP = "slirp4netns";
/** slirp4netns's fixed addresses: the container, the host (gateway) and its DNS forwarder. */
export const SLIRP_GUEST = "10.0.2.100", SLIRP_HOST = "10.0.2.2", SLIRP_DNS = "10.0.2.3";

const dirOf = (runroot: string) => join(runroot, "slirp");

function readyOrExit(child: ReturnType<typeof spawn>, log: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      let text = "";
      try {
        // the first line that is not progress or a consequence of the first failure
        text = readFileSync(log, "utf8").split("\n").map((l) => l.trim()).find((l) => l && !/^(\*|Starting slirp|sent tapfd|received tapfd|do_slirp|parent failed|child failed|WARNING)/.test(l)) ?? "";
      } catch { /* none */ }
      const tun = /\/dev\/net\/tun.*(Permission denied|No such file)/.test(text);
      reject(new SkiffError("FAILED_PRECONDITION", `slirp4netns could not set up the network: ${text || why}`, {
        hint: tun ? "slirp4netns needs /dev/net/tun readable and writable by every user (mode 0666, as Debian's udev makes it): run chmod 0666 /dev/net/tun as root, or use --network none or host" : "use --network none or host",
        exitCode: 126,
      }));
    };
    const timer = setTimeout(() => fail("not ready in time"), timeoutMs);
    const ready = child.stdio[3] as NodeJS.ReadableStream | null;
    ready?.once("data", () => { clearTimeout(timer); resolve(); });
    child.once("exit", (code) => { clearTimeout(timer); fail(`it exited (${code})`); });
    child.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === "ENOENT" ? new SkiffError("FAILED_PRECONDITION", "slirp4netns is not installed: it is what gives a rootless container a network", { hint: "install the slirp4netns package (apt-get install slirp4netns), or use --network none or host", exitCode: 126 }) : err);
    });
  });
}

/** One request to slirp4netns's API socket; its "return", or a SkiffError with its error. */
async function api(socket: string, request: object): Promise<unknown> {
  const { createConnection } = await import("node:net");
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    let reply = "";
    conn.setTimeout(5000, () => { conn.destroy(); reject(new SkiffError("FAILED_PRECONDITION", "slirp4netns did not answer its API socket in time", { exitCode: 126 })); });
    conn.on("connect", () => conn.write(JSON.stringify(request)));
    conn.on("data", (b) => { if (reply.length < 65536) reply += b.toString(); });
    conn.on("error", (err) => reject(new SkiffError("FAILED_PRECONDITION", `slirp4netns API: ${err.message}`, { exitCode: 126 })));
    conn.on("end", () => {
      try {
        const doc = JSON.parse(reply) as { return?: unknown; error?: { desc?: string } };
        if (doc.error) reject(new SkiffError("FAILED_PRECONDITION", doc.error.desc ?? "slirp4netns refused the request", { exitCode: 126 }));
        else resolve(doc.return);
      } catch {
        reject(new SkiffError("FAILED_PRECONDITION", `slirp4netns API: unreadable answer ${JSON.stringify(reply.slice(0, 80))}`, { exitCode: 126 }));
      }
    });
  });
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
function checkForwardable(ports: PortMapping[]): void {
  const start = unprivilegedPortStart();
  for (const p of ports) {
    if (p.protocol === "sctp") throw new SkiffError("INVALID_ARGUMENT", "slirp4netns forwards tcp and udp ports, not sctp", { exitCode: 126 });
    if (p.hostPort && p.hostPort < start && process.getuid?.() === 0 && inUserNamespace()) {
      throw new SkiffError("PERMISSION_DENIED", `cannot expose privileged port ${p.hostPort} as an ordinary user`, {
        hint: `add 'net.ipv4.ip_unprivileged_port_start=${p.hostPort}' to /etc/sysctl.conf (currently ${start}), or choose a port number >= ${start}`,
        exitCode: 126,
      });
    }
  }
}

async function forward(socket: string, p: PortMapping): Promise<void> {
  try {
    await api(socket, { execute: "add_hostfwd", arguments: { proto: p.protocol, host_addr: p.hostIp || "0.0.0.0", host_port: p.hostPort, guest_addr: SLIRP_GUEST, guest_port: p.containerPort } });
  } catch (err) {
    if (err instanceof SkiffError && /in use/i.test(err.message)) {
      throw new SkiffError("ALREADY_EXISTS", `cannot listen on the ${p.protocol.toUpperCase()} port: listen ${p.protocol}4 ${p.hostIp}:${p.hostPort}: bind: address already in use`, { exitCode: 126 });
    }
    throw err;
  }
}

/** Makes the namespace, starts slirp4netns in it and forwards `ports`; the attachment (written as it goes). */
export function attachSlirp(runroot: string, id: string, ports: PortMapping[], who: Who): Promise<Attachment> {
  return attachWith(runroot, id, async () => {
    const dir = dirOf(runroot);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    checkForwardable(ports);
    // short names: a unix socket's path has at most 107 bytes
    const short = id.slice(0, 12);
    const netns = join(dir, `${short}.netns`), socket = join(dir, `${short}.sock`), log = join(dir, `${short}.log`);
    const att: Attachment = { id, netns, hostsFile: who.hostsFile, links: [] };
    await claimPorts(runroot, att, ports, (assigned) => {
      att.links = [{
        network: SLIRP, ifname: "tap0", conflist: { name: SLIRP } as Conflist, ip: SLIRP_GUEST, ports: assigned, names: who.names,
        // what a CNI result would say, for inspect and ps
        result: { ips: [{ address: `${SLIRP_GUEST}/24`, gateway: SLIRP_HOST, interface: 0 }], interfaces: [{ name: "tap0" }] },
      }];
    });
    writeFileSync(netns, "");
    const made = spawnSync("unshare", [`--net=${netns}`, "true"], { encoding: "utf8" });
    if (made.status !== 0) throw new SkiffError("FAILED_PRECONDITION", `cannot make the container's network namespace: ${(made.stderr || String(made.error ?? "")).trim()}`, { exitCode: 126 });
    rmSync(socket, { force: true });
    const logFd = openSync(log, "w", 0o600);
    const child = spawn(SLIRP, ["--configure", "--mtu=65520", "--disable-host-loopback", "--enable-sandbox", "--api-socket", socket, "--ready-fd=3", "--netns-type=path", netns, "tap0"], {
      detached: true,
      stdio: ["ignore", logFd, logFd, "pipe"],
    });
    closeSync(logFd);
    try {
      await readyOrExit(child, log, 10000);
    } finally {
      (child.stdio[3] as { destroy?: () => void } | null)?.destroy?.();
      child.removeAllListeners();
      child.unref();
    }
    att.slirp = { pid: child.pid!, start: procStartTime(child.pid!) ?? 0, api: socket };
    writeAttachment(runroot, att);
    for (const p of att.links[0].ports) await forward(socket, p);
    return att;
  });
}

/** Stops the slirp4netns of `att` (when it is still the process recorded) and removes its namespace. */
export async function stopSlirp(att: Attachment): Promise<void> {
  const s = att.slirp;
  if (s && procStartTime(s.pid) === s.start) {
    try {
      process.kill(s.pid, "SIGKILL");
    } catch { /* gone */ }
  }
  if (existsSync(att.netns)) spawnSync("umount", [att.netns]);
  for (const f of [att.netns, s?.api, att.netns.replace(/\.netns$/, ".log")]) if (f) rmSync(f, { force: true });
}
