/**
 * Published host ports, claimed for a container under one lock for every container of the store:
 * a free port for each without one, never one another container holds or another program listens on.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import { withLock } from "../util/lock.js";
import { attachedContainers, attachedPorts, readAttachment, writeAttachment, type Attachment } from "./attachment.js";
import type { PortMapping } from "./ports.js";

/**
 * `ports` with a free host port for each that has none, checked against every other container's
 * and recorded in `att` (written) as one step: two starts must not both take a port.
 */
export async function claimPorts(runroot: string, att: Attachment, ports: PortMapping[], place: (assigned: PortMapping[]) => void): Promise<void> {
  mkdirSync(join(runroot, "networks"), { recursive: true, mode: 0o700 });
  await withLock(join(runroot, "locks", "ports.lock"), { what: "published ports" }, async () => {
    const assigned = await assignPorts(ports, freePort, (a) => firstTaken(runroot, att.id, a));
    place(assigned);
    writeAttachment(runroot, att);
  });
}

const RANDOM_PORT_TRIES = 5;

/**
 * `ports` with a host port for each that has none. A port the kernel picked is free only when
 * picked: another program's connect() can take it before it is checked (seen in CI), so such a port
 * is picked again; a port the user named fails at once, as podman's does.
 */
export async function assignPorts(
  ports: PortMapping[],
  pick: (protocol: string) => Promise<number>,
  taken: (assigned: PortMapping[]) => Promise<number | undefined>,
): Promise<PortMapping[]> {
  for (let attempt = 1; ; attempt++) {
    const assigned: PortMapping[] = [];
    for (const p of ports) assigned.push(p.hostPort ? p : { ...p, hostPort: await pick(p.protocol) });
    const i = await taken(assigned);
    if (i === undefined) return assigned;
    if (ports[i].hostPort || attempt === RANDOM_PORT_TRIES) inUse(assigned[i]);
  }
}

const sameAddress = (a: PortMapping, b: PortMapping) => a.hostPort === b.hostPort && a.protocol === b.protocol && (!a.hostIp || !b.hostIp || a.hostIp === b.hostIp || a.hostIp === "0.0.0.0" || b.hostIp === "0.0.0.0");

function inUse(p: PortMapping): never {
  // podman's words, and its status: the start failed (126), the container was made
  throw new SkiffError("ALREADY_EXISTS", `cannot listen on the ${p.protocol.toUpperCase()} port: listen ${p.protocol}4 ${p.hostIp}:${p.hostPort}: bind: address already in use`, { exitCode: 126 });
}

/**
 * The index of the first port that cannot be published, if any. A host port is published once
 * (podman's rule): not twice by one container, not by two (their attachments say which they hold),
 * not when another program listens on it.
 */
async function firstTaken(runroot: string, id: string, ports: PortMapping[]): Promise<number | undefined> {
  for (let i = 0; i < ports.length; i++) if (ports.slice(0, i).some((q) => sameAddress(ports[i], q))) return i;
  for (const other of attachedContainers(runroot)) {
    if (other === id) continue;
    const held = attachedPorts(readAttachment(runroot, other));
    const i = ports.findIndex((p) => held.some((q) => sameAddress(p, q)));
    if (i >= 0) return i;
  }
  for (let i = 0; i < ports.length; i++) if (ports[i].protocol === "tcp" && !(await canListen(ports[i]))) return i;
  return undefined;
}

async function canListen(p: PortMapping): Promise<boolean> {
  const { createServer } = await import("node:net");
  return new Promise<boolean>((resolve) => {
    const srv = createServer();
    // only a port in use counts: other errors (an address not on this host) are the plugins' to report
    srv.once("error", (err: NodeJS.ErrnoException) => resolve(err.code !== "EADDRINUSE"));
    srv.listen(p.hostPort, p.hostIp || "0.0.0.0", () => srv.close(() => resolve(true)));
  });
}

/** A free port on the host for -p without a host port (the kernel picks it). */
async function freePort(protocol: string): Promise<number> {
  if (protocol !== "tcp") return 20000 + Math.floor(Math.random() * 40000);
  // loaded only here: node:net costs every start ~5 ms to load (Bun)
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "0.0.0.0", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

