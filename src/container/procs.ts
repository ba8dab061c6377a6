/**
 * A running container's processes and counters as podman's `top` and `stats` show them: PIDs as
 * the container sees them (the last NSpid), its users by the container's own /etc/passwd, network
 * bytes from its namespace's /proc/PID/net/dev. Reads /proc; the formatting is pure.
 */
import { readFileSync, readdirSync, readlinkSync } from "node:fs";

const CLK_TCK = 100;

export interface Proc { hostPid: number; pid: number; ppid: number; uid: number; ticks: number; startTicks: number; tty: string; args: string }

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Every process in the PID namespace of `initPid` (the container's). */
export function containerProcs(initPid: number): Proc[] {
  let ns: string;
  try {
    ns = readlinkSync(`/proc/${initPid}/ns/pid`);
  } catch {
    return [];
  }
  const byHost = new Map<number, Proc & { hostPpid: number }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const hostPid = Number(name);
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) !== ns) continue;
    } catch {
      continue;
    }
    const status = read(`/proc/${name}/status`), stat = read(`/proc/${name}/stat`);
    if (!status || !stat) continue;
    const nspid = /^NSpid:\s*(.+)$/m.exec(status)?.[1].trim().split(/\s+/).map(Number) ?? [hostPid];
    const uid = Number(/^Uid:\s*\d+\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ttyNr = Number(f[4]);
    const args = (read(`/proc/${name}/cmdline`) ?? "").split("\0").filter(Boolean).join(" ");
    byHost.set(hostPid, {
      hostPid, pid: nspid[nspid.length - 1], ppid: 0, hostPpid: Number(f[1]), uid,
      ticks: Number(f[11]) + Number(f[12]), startTicks: Number(f[19]),
      tty: ttyNr ? `pts/${ttyNr & 0xff}` : "?", args: args || `[${stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))}]`,
    });
  }
  for (const p of byHost.values()) p.ppid = byHost.get(p.hostPpid)?.pid ?? 0;
  return [...byHost.values()].sort((a, b) => a.pid - b.pid);
}

/** Go's time.Duration String(): "1.721902776s", "24.814562ms", "0s", "1m2.5s". */
export function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${trim(ns / 1e3)}µs`;
  if (ns < 1e9) return `${trim(ns / 1e6)}ms`;
  const h = Math.floor(ns / 3.6e12), m = Math.floor((ns % 3.6e12) / 6e10), s = (ns % 6e10) / 1e9;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${trim(s)}s`;
}
const trim = (x: number) => x.toFixed(9).replace(/\.?0+$/, "");

/** podman's default top columns for `procs` (uptime and boot time in seconds since boot). */
export function topTable(procs: Proc[], userName: (uid: number) => string, uptimeS: number): string[][] {
  return procs.map((p) => {
    const elapsedS = Math.max(0, uptimeS - p.startTicks / CLK_TCK);
    const cpu = elapsedS > 0 ? (100 * p.ticks) / CLK_TCK / elapsedS : 0;
    return [userName(p.uid), String(p.pid), String(p.ppid), cpu.toFixed(3), goDuration(Math.round(elapsedS * 1e9)), p.tty, goDuration((p.ticks / CLK_TCK) * 1e9), p.args];
  });
}

/** Received and sent bytes of the interfaces in `pid`'s network namespace, loopback left out. */
export function netBytes(pid: number): { rx: number; tx: number } {
  const text = read(`/proc/${pid}/net/dev`) ?? "";
  let rx = 0, tx = 0;
  for (const line of text.split("\n").slice(2)) {
    const [name, rest] = line.split(":");
    if (!rest || name.trim() === "lo") continue;
    const f = rest.trim().split(/\s+/).map(Number);
    rx += f[0];
    tx += f[8];
  }
  return { rx, tx };
}
