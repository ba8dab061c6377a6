/**
 * -p / --publish specs: [[ip:][hostPort]:]containerPort[/proto], ranges on either side, IPv6 hosts
 * in brackets. An empty host port means "any free port". Pure.
 */
import { SkiffError } from "../errors.js";

export interface PortMapping {
  hostIp: string;
  /** 0: choose a free port. */
  hostPort: number;
  containerPort: number;
  protocol: "tcp" | "udp" | "sctp";
}

function bad(spec: string, why: string): never {
  throw new SkiffError("INVALID_ARGUMENT", `invalid --publish "${spec}": ${why}`);
}

function range(text: string, spec: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) bad(spec, `bad ${what} "${text}"`);
  const lo = Number(m![1]), hi = Number(m![2] ?? m![1]);
  if (lo < 1 || hi > 65535 || lo > hi) bad(spec, `${what} out of range`);
  return [lo, hi];
}

export function parsePublish(spec: string): PortMapping[] {
  const [addr, proto = "tcp"] = spec.split("/");
  if (!["tcp", "udp", "sctp"].includes(proto)) bad(spec, `unknown protocol "${proto}"`);
  let hostIp = "", hostPart = "", ctrPart: string;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(addr);
  const rest = v6 ? v6[2] : addr;
  if (v6) hostIp = v6[1];
  const parts = rest.split(":");
  if (parts.length === 1) ctrPart = parts[0];
  else if (parts.length === 2) [hostPart, ctrPart] = parts;
  else if (parts.length === 3 && !v6) [hostIp, hostPart, ctrPart] = parts;
  else return bad(spec, "too many colons");
  if (hostIp && !v6 && !/^\d+\.\d+\.\d+\.\d+$/.test(hostIp)) bad(spec, `bad host address "${hostIp}"`);
  const [cLo, cHi] = range(ctrPart, spec, "container port");
  const [hLo, hHi] = hostPart === "" ? [0, 0] : range(hostPart, spec, "host port");
  if (hostPart !== "" && hHi - hLo !== cHi - cLo) bad(spec, "host and container port ranges differ in size");
  const out: PortMapping[] = [];
  for (let i = 0; i <= cHi - cLo; i++) out.push({ hostIp, hostPort: hostPart === "" ? 0 : hLo + i, containerPort: cLo + i, protocol: proto as PortMapping["protocol"] });
  return out;
}
