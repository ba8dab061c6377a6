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
    const assigned = await assignPorts(ports);
    await checkPortsFree(runroot, att.id, assigned);
    place(assigned);
    writeAttachment(runroot, att);
  });
}

async function assignPorts(ports: PortMapping[]): Promise<PortMapping[]> {
  const assigned: PortMapping[] = [];
  for (const p of ports) assigned.push(p.hostPort ? p : { ...p, hostPort: await freePort(p.protocol) });
  return assigned;
}

const sameAddress = (a: PortMapping, b: PortMapping) => a.hostPort === b.hostPort && a.protocol === b.protocol && (!a.hostIp || !b.hostIp || a.hostIp === b.hostIp || a.hostIp === "0.0.0.0" || b.hostIp === "0.0.0.0");

function inUse(p: PortMapping): never {
  // podman's words, and its status: the start failed (126), the container was made
  throw new SkiffError("ALREADY_EXISTS", `cannot listen on the ${p.protocol.toUpperCase()} port: listen ${p.protocol}4 ${p.hostIp}:${p.hostPort}: bind: address already in use`, { exitCode: 126 });
}

/**
 * A host port is published once (podman's rule): not twice by one container, not by two (their
 * attachments say which they hold), not when another program listens on it.
 */
async function checkPortsFree(runroot: string, id: string, ports: PortMapping[]): Promise<void> {
  ports.forEach((p, i) => { if (ports.slice(0, i).some((q) => sameAddress(p, q))) inUse(p); });
  for (const other of attachedContainers(runroot)) {
    if (other === id) continue;
    const held = attachedPorts(readAttachment(runroot, other));
    for (const p of ports) if (held.some((q) => sameAddress(p, q))) inUse(p);
  }
  for (const p of ports.filter((x) => x.protocol === "tcp")) {
    const { createServer } = await import("node:net");
    await new Promise<void>((resolve, reject) => {
      const srv = createServer();
      srv.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? reject(new SkiffError("ALREADY_EXISTS", `cannot listen on the TCP port: listen tcp4 ${p.hostIp}:${p.hostPort}: bind: address already in use`, { exitCode: 126 })) : resolve()));
      srv.listen(p.hostPort, p.hostIp || "0.0.0.0", () => srv.close(() => resolve()));
    });
  }
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

