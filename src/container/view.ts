/** How containers look to users: ps rows, inspect documents, status text and --filter. Pure. */
import { psHealthSuffix, type HealthState } from "./health.js";
import { SkiffError } from "../errors.js";
import { humanDuration } from "../output/units.js";
import { goMap } from "../output/template.js";
import { canonicalNetwork } from "../network/config.js";
import { bridgeNetworks } from "./options.js";
import { startsOnBoot } from "./policy.js";
import type { PortMapping } from "../network/ports.js";
import type { ContainerRecord, ContainerState } from "./record.js";

/** One interface as the plugins set it up. */
export interface LinkView { network: string; ifname: string; ip?: string; prefixLen?: number; gateway?: string; mac?: string; aliases: string[] }
/** What a running container's network looks like now (absent when it is not running). */
export interface NetworkView { ports: PortMapping[]; links: LinkView[] }
export interface Container { rec: ContainerRecord; state: ContainerState; network?: NetworkView; health?: HealthState }

/** "0.0.0.0:8080->80/tcp, …" as ps shows published ports. */
export function portsText(ports: PortMapping[]): string {
  return ports.map((m) => `${m.hostIp || "0.0.0.0"}:${m.hostPort}->${m.containerPort}/${m.protocol}`).join(", ");
}

/** "Up 5 seconds", "Exited (0) 3 minutes ago", "Created" (podman's wording). */
/** podman 4.3's status words: "Up 3 minutes ago", "Exited (0) 2 seconds ago", "Paused", "Created". */
export function statusText(s: ContainerState, now: number): string {
  const ago = (iso?: string) => `${humanDuration(iso ? now - Date.parse(iso) : 0)} ago`;
  switch (s.status) {
    case "running":
    case "stopping":
      return `Up ${ago(s.startedAt)}`;
    case "paused":
      return "Paused";
    case "exited":
      return `Exited (${s.exitCode ?? 0}) ${ago(s.finishedAt)}`;
    default:
      return "Created";
  }
}

export function commandText(rec: ContainerRecord): string {
  return [...rec.entrypoint, ...rec.cmd].join(" ");
}

const unix = (iso?: string) => (iso ? Math.floor(Date.parse(iso) / 1000) : 0);

/** Go's zero time as a Unix timestamp: what podman's JSON shows for "never". */
const NEVER = -62135596800;
const unixOrNever = (iso?: string) => (iso ? Math.floor(Date.parse(iso) / 1000) : NEVER);

/** podman ps --format json: its keys, its types ("never" is Go's zero time, no labels is null). */
export function psRow(c: Container, now: number) {
  const { rec, state } = c;
  return {
    AutoRemove: rec.options.autoRemove,
    Command: [...rec.entrypoint, ...rec.cmd],
    Created: unix(rec.created),
    // podman's ps JSON: the human form ("3 minutes ago"), Created being the timestamp
    CreatedAt: `${humanDuration(now - Date.parse(rec.created))} ago`,
    Exited: state.status === "exited",
    ExitedAt: unixOrNever(state.finishedAt),
    ExitCode: state.exitCode ?? 0,
    Id: rec.id,
    Image: rec.image.name,
    ImageID: rec.image.id.slice(7),
    IsInfra: false,
    Labels: Object.keys(rec.options.labels).length ? rec.options.labels : null,
    Mounts: rec.mounts.map((m) => m.destination),
    Names: [rec.name],
    Namespaces: {},
    Networks: bridgeNetworks(rec.options),
    Pid: state.pid ?? 0,
    Pod: "",
    PodName: "",
    Ports: c.network?.ports.length ? c.network.ports.map((m) => ({ host_ip: m.hostIp, container_port: m.containerPort, host_port: m.hostPort, range: 1, protocol: m.protocol })) : null,
    Size: null as { rootFsSize: number; rwSize: number } | null,
    StartedAt: unixOrNever(state.startedAt),
    State: state.status,
    Status: statusText(state, now) + (state.status === "running" && c.health ? psHealthSuffix(c.health) : ""),
  };
}

/** The fields of ps templates: podman's JSON ones with Names, Command and Ports as plain strings, and the table's own. */
export function psTemplateRow(c: Container, now: number, noTrunc: boolean) {
  const row = psRow(c, now);
  const command = commandText(c.rec);
  return {
    ...row,
    ID: noTrunc ? c.rec.id : c.rec.id.slice(0, 12),
    // podman 4.3's templates: .State is the status words, the JSON's State the bare state
    State: row.Status,
    Names: c.rec.name,
    Command: noTrunc || command.length <= 20 ? command : `${command.slice(0, 17)}...`,
    Ports: portsText(c.network?.ports ?? []),
    Networks: row.Networks.join(","),
    Labels: goMap(c.rec.options.labels),
    RunningFor: row.CreatedAt,
    CreatedHuman: row.CreatedAt,
    Restarts: c.state.restartCount,
  };
}

/** What --filter status= takes (podman's words; "stopped" and "configured" are its aliases). */
const STATUSES = ["created", "configured", "running", "paused", "stopping", "exited", "stopped", "unknown", "removing"];

const FILTER_KEYS = ["status", "name", "label", "ancestor", "exited", "id", "restart-policy", "should-start-on-boot", "network", "health"];

/** Filters of ps/start/prune: the same key ORs, different keys AND (podman's rule). */
export function matchFilters(filters: string[], c: Container): boolean {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const i = f.indexOf("=");
    const key = i < 0 ? f : f.slice(0, i);
    if (i < 0 || !FILTER_KEYS.includes(key)) throw new SkiffError("INVALID_ARGUMENT", `invalid filter "${f}"`, { hint: `use ${FILTER_KEYS.map((k) => `${k}=`).join(", ")}` });
    if (key === "status" && !STATUSES.includes(f.slice(i + 1))) throw new SkiffError("INVALID_ARGUMENT", `unknown container state: ${f.slice(i + 1)}: invalid argument`);
    byKey.set(key, [...(byKey.get(key) ?? []), f.slice(i + 1)]);
  }
  const { rec, state } = c;
  const test = (key: string, v: string): boolean => {
    switch (key) {
      case "status":
        return state.status === v || (v === "exited" && state.status === "exited") || (v === "stopped" && state.status === "exited");
      case "name":
        return new RegExp(v).test(rec.name);
      case "id":
        return rec.id.startsWith(v);
      case "label": {
        const j = v.indexOf("=");
        return j < 0 ? v in rec.options.labels : rec.options.labels[v.slice(0, j)] === v.slice(j + 1);
      }
      case "ancestor":
        return rec.image.name === v || rec.image.name.startsWith(`${v}:`) || rec.image.name.endsWith(`/${v}`) || rec.image.name.includes(`/${v}:`) || rec.image.id.slice(7).startsWith(v.replace(/^sha256:/, ""));
      case "exited":
        return state.status === "exited" && String(state.exitCode ?? 0) === v;
      case "restart-policy":
        return rec.options.restart.name === v;
      case "network":
        return bridgeNetworks(rec.options).includes(canonicalNetwork(v)) || rec.options.network === v;
      case "health":
        return (c.rec.options.health ? (c.health?.Status ?? "starting") : "none") === v;
      case "should-start-on-boot":
        return startsOnBoot(rec.options.restart, state.stoppedByUser) === (v === "true");
      default:
        return false;
    }
  };
  return [...byKey].every(([key, values]) => values.some((v) => test(key, v)));
}

