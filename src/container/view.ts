/** How containers look to users: ps rows, inspect documents, status text and --filter. Pure. */
import { SkiffError } from "../errors.js";
import { humanDuration } from "../output/units.js";
import { canonicalNetwork } from "../network/config.js";
import { bridgeNetworks } from "./options.js";
import { startsOnBoot } from "./policy.js";
import type { PortMapping } from "../network/ports.js";
import type { ContainerRecord, ContainerState } from "./record.js";

/** One interface as the plugins set it up. */
export interface LinkView { network: string; ifname: string; ip?: string; prefixLen?: number; gateway?: string; mac?: string; aliases: string[] }
/** What a running container's network looks like now (absent when it is not running). */
export interface NetworkView { ports: PortMapping[]; links: LinkView[] }
export interface Container { rec: ContainerRecord; state: ContainerState; network?: NetworkView }

/** "0.0.0.0:8080->80/tcp, …" as ps shows published ports. */
export function portsText(ports: PortMapping[]): string {
  return ports.map((m) => `${m.hostIp || "0.0.0.0"}:${m.hostPort}->${m.containerPort}/${m.protocol}`).join(", ");
}

/** "Up 5 seconds", "Exited (0) 3 minutes ago", "Created" (podman's wording). */
export function statusText(s: ContainerState, now: number): string {
  switch (s.status) {
    case "running":
    case "stopping":
      return `Up ${s.startedAt ? humanDuration(now - Date.parse(s.startedAt)) : "Less than a second"}`;
    case "paused":
      return `Up ${s.startedAt ? humanDuration(now - Date.parse(s.startedAt)) : ""} (Paused)`;
    case "exited":
      return `Exited (${s.exitCode ?? 0}) ${s.finishedAt ? `${humanDuration(now - Date.parse(s.finishedAt))} ago` : ""}`.trimEnd();
    default:
      return "Created";
  }
}

export function commandText(rec: ContainerRecord): string {
  return [...rec.entrypoint, ...rec.cmd].join(" ");
}

const unix = (iso?: string) => (iso ? Math.floor(Date.parse(iso) / 1000) : 0);

/** podman ps --format json fields (and the template fields of the table). */
export function psRow(c: Container, now: number, noTrunc: boolean) {
  const { rec, state } = c;
  const command = commandText(rec);
  const created = `${humanDuration(now - Date.parse(rec.created))} ago`;
  return {
    AutoRemove: rec.options.autoRemove,
    Command: [...rec.entrypoint, ...rec.cmd],
    Created: unix(rec.created),
    // podman's ps JSON: the human form ("3 minutes ago"), Created being the timestamp
    CreatedAt: created,
    CreatedHuman: created,
    Exited: state.status === "exited",
    ExitedAt: unix(state.finishedAt),
    ExitCode: state.exitCode ?? 0,
    Id: rec.id,
    ID: noTrunc ? rec.id : rec.id.slice(0, 12),
    Image: rec.image.name,
    ImageID: rec.image.id.slice(7),
    Labels: rec.options.labels,
    Mounts: rec.mounts.map((m) => m.destination),
    Names: [rec.name],
    Networks: bridgeNetworks(rec.options),
    Pid: state.pid ?? 0,
    Ports: c.network?.ports.length ? c.network.ports.map((m) => ({ host_ip: m.hostIp, container_port: m.containerPort, host_port: m.hostPort, range: 1, protocol: m.protocol })) : null,
    Restarts: state.restartCount,
    StartedAt: unix(state.startedAt),
    State: state.status,
    Status: statusText(state, now),
    RunningFor: created,
    CommandText: noTrunc || command.length <= 20 ? command : `${command.slice(0, 17)}...`,
  };
}

/** The same row for Go templates, where podman prints Names, Command and Ports as plain strings. */
export function psTemplateRow(c: Container, now: number, noTrunc: boolean) {
  const row = psRow(c, now, noTrunc);
  return { ...row, Names: c.rec.name, Command: row.CommandText, Ports: portsText(c.network?.ports ?? []), Networks: row.Networks.join(",") };
}

/** What --filter status= takes (podman's words; "stopped" and "configured" are its aliases). */
const STATUSES = ["created", "configured", "running", "paused", "stopping", "exited", "stopped", "unknown", "removing"];

const FILTER_KEYS = ["status", "name", "label", "ancestor", "exited", "id", "restart-policy", "should-start-on-boot", "network"];

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
      case "should-start-on-boot":
        return startsOnBoot(rec.options.restart, state.stoppedByUser) === (v === "true");
      default:
        return false;
    }
  };
  return [...byKey].every(([key, values]) => values.some((v) => test(key, v)));
}

/** podman's container inspect shape (the fields scripts use). */
export function inspectContainer({ rec, state, network }: Container, paths: { rootfs: string; bundle: string }) {
  const o = rec.options;
  return {
    Id: rec.id,
    Created: rec.created,
    Path: [...rec.entrypoint, ...rec.cmd][0] ?? "",
    Args: [...rec.entrypoint, ...rec.cmd].slice(1),
    State: {
      OciVersion: "1.3.0",
      Status: state.status,
      Running: state.status === "running" || state.status === "stopping",
      Paused: state.status === "paused",
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: state.pid ?? 0,
      ExitCode: state.exitCode ?? 0,
      Error: state.error ?? "",
      StartedAt: state.startedAt ?? "0001-01-01T00:00:00Z",
      FinishedAt: state.finishedAt ?? "0001-01-01T00:00:00Z",
    },
    Image: rec.image.id.slice(7),
    ImageName: rec.image.name,
    Rootfs: "",
    Name: rec.name,
    RestartCount: state.restartCount,
    Driver: "overlay",
    Mounts: rec.mounts.map((m) => ({ Type: m.type, Name: m.name ?? "", Source: m.source, Destination: m.destination, RW: m.rw, Options: m.options })),
    Config: {
      Hostname: rec.hostname,
      Env: o.env,
      Cmd: rec.cmd,
      Entrypoint: rec.entrypoint,
      Image: rec.image.name,
      Labels: o.labels,
      Annotations: o.annotations,
      StopSignal: o.stopSignal,
      StopTimeout: o.stopTimeout,
      WorkingDir: o.workdir ?? "",
      User: o.user ?? "",
      OpenStdin: o.interactive,
      Tty: o.tty,
    },
    HostConfig: {
      AutoRemove: o.autoRemove,
      RestartPolicy: { Name: o.restart.name, MaximumRetryCount: o.restart.maxRetries },
      NetworkMode: o.network,
      LogConfig: { Type: o.log.driver, Path: rec.logPath, Size: o.log.maxSize ? String(o.log.maxSize) : "", MaxFile: o.log.maxFile },
      Memory: o.memory ?? 0,
      NanoCpus: o.cpus ? Math.round(o.cpus * 1e9) : 0,
      PidsLimit: o.pidsLimit ?? 0,
      Privileged: o.privileged,
      ReadonlyRootfs: o.readOnly,
      CapAdd: o.capAdd,
      CapDrop: o.capDrop,
    },
    NetworkSettings: {
      IPAddress: network?.links[0]?.ip ?? "",
      Gateway: network?.links[0]?.gateway ?? "",
      IPPrefixLen: network?.links[0]?.prefixLen ?? 0,
      MacAddress: network?.links[0]?.mac ?? "",
      // every network the container is on; addresses only while it runs
      Networks: Object.fromEntries(bridgeNetworks(o).map((n) => {
        const l = network?.links.find((x) => x.network === n);
        return [n, { NetworkID: n, IPAddress: l?.ip ?? "", IPPrefixLen: l?.prefixLen ?? 0, Gateway: l?.gateway ?? "", MacAddress: l?.mac ?? "", Aliases: l?.aliases ?? [], InterfaceName: l?.ifname ?? "" }];
      })),
      Ports: Object.fromEntries((network?.ports ?? []).map((m) => [`${m.containerPort}/${m.protocol}`, [{ HostIp: m.hostIp, HostPort: String(m.hostPort) }]])),
    },
    OCIRuntime: rec.runtime,
    LogPath: rec.logPath,
    StaticDir: paths.bundle,
    MountPoint: paths.rootfs,
  };
}
