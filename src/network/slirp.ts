/**
 * slirp4netns: user-mode TCP/IP on a tap device in the container's namespace (10.0.2.100, the
 * host at 10.0.2.2, DNS at 10.0.2.3), MTU 65520 as podman's, the host's loopback out of reach,
 * sandboxed; published ports are added through its API socket (add_hostfwd).
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { SkiffError } from "../errors.js";
import type { PortMapping } from "./ports.js";
import { helperError, helperFailure, notInstalled, type Backend, type UserModeFiles } from "./usermode.js";

export const SLIRP_GUEST = "10.0.2.100", SLIRP_HOST = "10.0.2.2", SLIRP_DNS = "10.0.2.3";
const NOISE = /^(\*|Starting slirp|sent tapfd|received tapfd|do_slirp|parent failed|child failed|WARNING)/;

function readyOrExit(child: ReturnType<typeof spawn>, log: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(helperFailure("slirp4netns", helperError(log, NOISE), why));
    const timer = setTimeout(() => fail("not ready in time"), timeoutMs);
    (child.stdio[3] as NodeJS.ReadableStream | null)?.once("data", () => { clearTimeout(timer); resolve(); });
    child.once("exit", (code) => { clearTimeout(timer); fail(`it exited (${code})`); });
    child.once("error", (err: NodeJS.ErrnoException) => { clearTimeout(timer); reject(err.code === "ENOENT" ? notInstalled("slirp4netns", "slirp4netns") : err); });
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

/** Forwards host port `p` to `guestPort` of the namespace; slirp4netns's ID of the forward. */
export async function addForward(socket: string, p: PortMapping, guestPort = p.containerPort): Promise<number> {
  try {
    const r = await api(socket, { execute: "add_hostfwd", arguments: { proto: p.protocol, host_addr: p.hostIp || "0.0.0.0", host_port: p.hostPort, guest_addr: SLIRP_GUEST, guest_port: guestPort } });
    return (r as { id?: number } | undefined)?.id ?? 0;
  } catch (err) {
    if (err instanceof SkiffError && /in use/i.test(err.message)) {
      throw new SkiffError("ALREADY_EXISTS", `cannot listen on the ${p.protocol.toUpperCase()} port: listen ${p.protocol}4 ${p.hostIp}:${p.hostPort}: bind: address already in use`, { exitCode: 126 });
    }
    throw err;
  }
}

export async function removeForward(socket: string, id: number): Promise<void> {
  await api(socket, { execute: "remove_hostfwd", arguments: { id } });
}

export const slirp4netns: Backend = {
  name: "slirp4netns",
  async start(files: UserModeFiles, ports: PortMapping[]) {
    const logFd = openSync(files.log, "w", 0o600);
    const child = spawn("slirp4netns", ["--configure", "--mtu=65520", "--disable-host-loopback", "--enable-sandbox", "--api-socket", files.socket, "--ready-fd=3", ...(files.userns ? [`--userns-path=${files.userns}`] : []), "--netns-type=path", files.netns, "tap0"], {
      detached: true,
      stdio: ["ignore", logFd, logFd, "pipe"],
    });
    closeSync(logFd);
    try {
      await readyOrExit(child, files.log, 10000);
    } finally {
      (child.stdio[3] as { destroy?: () => void } | null)?.destroy?.();
      child.removeAllListeners();
      child.unref();
    }
    const pid = child.pid!;
    // recorded before the ports: a failed forward still leaves a process to stop
    const started = { pid, api: files.socket, ip: SLIRP_GUEST, prefixLen: 24, gateway: SLIRP_HOST, ifname: "tap0" };
    try {
      for (const p of ports) await addForward(files.socket, p);
    } catch (err) {
      try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
      throw err;
    }
    return started;
  },
};
