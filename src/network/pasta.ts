/**
 * pasta (Debian's passt): the container's namespace gets a copy of the host's address and routes
 * (no NAT), L2 frames become host sockets; published ports are pasta's own (-t/-u), spliced for
 * local traffic, which makes them several times faster than slirp4netns's (bench/rootless.sh). It
 * configures the namespace, daemonizes and writes its pid.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { SkiffError } from "../errors.js";
import type { PortMapping } from "./ports.js";
import { helperFailure, notInstalled, type Backend, type UserModeFiles } from "./usermode.js";

/** pasta's port specs for one protocol: "[ADDR/]HOST:CONTAINER" each, or none. */
export function pastaPorts(ports: PortMapping[], protocol: "tcp" | "udp"): string[] {
  const of = ports.filter((p) => p.protocol === protocol);
  if (of.length === 0) return ["none"];
  return of.map((p) => `${p.hostIp && p.hostIp !== "0.0.0.0" ? `${p.hostIp}/` : ""}${p.hostPort}:${p.containerPort}`);
}

/** The host's interface with the default route, and its gateway (/proc/net/route: little-endian hex). */
export function defaultRoute(routes: string): { ifname: string; gateway: string } | undefined {
  for (const line of routes.split("\n").slice(1)) {
    const [ifname, dest, gw] = line.trim().split(/\s+/);
    if (dest !== "00000000" || !gw) continue;
    const n = Number.parseInt(gw, 16);
    return { ifname, gateway: [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255].join(".") };
  }
  return undefined;
}

export const pasta: Backend = {
  name: "pasta",
  async start(files: UserModeFiles, ports: PortMapping[]) {
    // not --quiet: its errors go where its progress goes (stderr), not to syslog only; IPv4 only,
    // as skiff's other networks (and 5–8 ms less to set up)
    const args = ["--config-net", "--ipv4-only", "--pid", files.pid, "--netns", files.netns, "-T", "none", "-U", "none"];
    for (const spec of pastaPorts(ports, "tcp")) args.push("-t", spec);
    for (const spec of pastaPorts(ports, "udp")) args.push("-u", spec);
    const r = spawnSync("pasta", args, { encoding: "utf8", timeout: 10000 });
    if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") throw notInstalled("pasta", "passt");
    const text = `${r.stderr ?? ""}\n${r.stdout ?? ""}`.split("\n").map((l) => l.trim()).find((l) => /fail|error|cannot|unable|denied|in use/i.test(l) && !/syslog/.test(l)) ?? "";
    if (r.status !== 0) {
      if (/bind|in use/i.test(text)) throw new SkiffError("ALREADY_EXISTS", `cannot listen on a published port: ${text}`, { exitCode: 126 });
      throw helperFailure("pasta", text, `it exited (${r.status ?? r.signal})`);
    }
    const pid = Number(readFileSync(files.pid, "utf8").trim());
    // the namespace has the host's address on the default route's interface
    let route: { ifname: string; gateway: string } | undefined;
    try {
      route = defaultRoute(readFileSync("/proc/net/route", "utf8"));
    } catch { /* none */ }
    const addr = (networkInterfaces()[route?.ifname ?? ""] ?? []).find((a) => a.family === "IPv4");
    const prefixLen = addr?.cidr ? Number(addr.cidr.split("/")[1]) : 0;
    return { pid, ip: addr?.address ?? "", prefixLen, gateway: route?.gateway ?? "", ifname: route?.ifname ?? "" };
  },
};
