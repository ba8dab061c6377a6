/**
 * `inspect` of a container: podman 4.3's document, every key with podman's type (Entrypoint a
 * string, StopSignal a number, "never" as Go's zero time, empty lists as [] and absent maps as
 * null where podman has them so), with skiff's values. Pure: paths and host facts come in.
 */
import type { HealthConfig, HealthState } from "./health.js";
import { capabilityList, containerEnvironment } from "../spec/build.js";
import { RLIMIT_TYPES } from "../spec/defaults.js";
import { parseSignal } from "./signals.js";
import { bridgeNetworks, type ContainerOptions } from "./options.js";
import type { ContainerRecord, ContainerState } from "./record.js";
import type { ImageConfig } from "../image/manifest.js";
import type { PortMapping } from "../network/ports.js";
import { GoTime, OMITTED_NIL, goMap, goNilMap, goNilSlice } from "../output/template.js";

const ZERO_TIME = "0001-01-01T00:00:00Z";

export interface NetworkLink { network: string; ifname?: string; ip?: string; aliases: string[]; prefixLen?: number; gateway?: string; mac?: string }

export interface InspectInputs {
  rec: ContainerRecord;
  state: ContainerState;
  network?: { ports: PortMapping[]; links: NetworkLink[]; netns?: string };
  image?: ImageConfig;
  imageDigest?: string;
  paths: { rootfs: string; bundle: string; userdata: string; upper: string; work: string; lowers: string[] };
  /** The capabilities this host can give (--privileged, --cap-add ALL). */
  boundingCaps: string[];
  health?: HealthState;
}

/** Config.Healthcheck as podman shows it: Docker's fields, durations in nanoseconds, zero ones left out. */
function healthcheckOf(h: HealthConfig) {
  const ns = (ms: number) => ms * 1e6;
  return { Test: h.test, ...(h.intervalMs ? { Interval: ns(h.intervalMs) } : {}), ...(h.timeoutMs ? { Timeout: ns(h.timeoutMs) } : {}), ...(h.startPeriodMs ? { StartPeriod: ns(h.startPeriodMs) } : {}), Retries: h.retries };
}

/** Config.StartupHealthCheck as podman shows it: the check's fields and Successes, zero ones left out. */
function startupCheckOf(s: NonNullable<HealthConfig["startup"]>) {
  const ns = (ms: number) => ms * 1e6;
  return { Test: s.test, Interval: ns(s.intervalMs), Timeout: ns(s.timeoutMs), ...(s.retries ? { Retries: s.retries } : {}), ...(s.successes ? { Successes: s.successes } : {}) };
}

/** Ports as podman prints them: published ones, also while the container is not running. */
function portMap(ports: PortMapping[]): Record<string, { HostIp: string; HostPort: string }[]> {
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const m of ports) (out[`${m.containerPort}/${m.protocol}`] ??= []).push({ HostIp: m.hostIp, HostPort: m.hostPort ? String(m.hostPort) : "" });
  return out;
}

function binds(rec: ContainerRecord): string[] {
  return rec.mounts.filter((m) => m.type !== "tmpfs" && m.type !== "image").map((m) => `${m.type === "volume" ? m.name ?? m.source : m.source}:${m.destination}:${[m.rw ? "rw" : "ro", "rprivate", ...m.options, "rbind"].join(",")}`);
}

function ulimits(o: ContainerOptions) {
  return Object.entries(o.ulimits).map(([name, l]) => ({ Name: RLIMIT_TYPES[name] ?? `RLIMIT_${name.toUpperCase()}`, Soft: l.soft, Hard: l.hard }));
}

/** A container's aliases on a network as prepareBundle gives them (podman shows them when it is not running, too). */
const aliasesOf = (rec: ContainerRecord, net: string) => [...(rec.options.networkAliases ?? []), rec.id.slice(0, 12), ...(rec.options.linkAliases?.[net] ?? [])];

function networkEntry(name: string, l: NetworkLink | undefined, rec: ContainerRecord) {
  return {
    EndpointID: "", Gateway: l?.gateway ?? "", IPAddress: l?.ip ?? "", IPPrefixLen: l?.prefixLen ?? 0, IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0,
    MacAddress: l?.mac ?? "", NetworkID: name, DriverOpts: goNilMap(), IPAMConfig: null, Links: goNilSlice(), Aliases: l?.aliases ?? aliasesOf(rec, name), InterfaceName: l?.ifname ?? "",
  };
}

/** The annotations podman 4.3 puts on every container, which scripts read from inspect. */
function podmanAnnotations(rec: ContainerRecord): Record<string, string> {
  const o = rec.options;
  const flag = (b: boolean | undefined) => (b ? "TRUE" : "FALSE");
  return {
    "io.kubernetes.cri-o.Created": rec.created,
    "io.kubernetes.cri-o.TTY": String(o.tty),
    "io.podman.annotations.autoremove": flag(o.autoRemove),
    "io.podman.annotations.init": flag(o.init),
    "io.podman.annotations.privileged": flag(o.privileged),
    "io.podman.annotations.publish-all": flag(o.publishAll),
  };
}

export function inspectContainer(i: InspectInputs) {
  const { rec, state, network } = i;
  const o = rec.options;
  const c = i.image?.config ?? {};
  const first = network?.links[0];
  const running = state.status === "running" || state.status === "stopping";
  const caps = capabilityList(o.capAdd, o.capDrop, o.privileged, i.boundingCaps);
  const signal = (() => {
    try {
      return parseSignal(o.stopSignal || "SIGTERM");
    } catch {
      return 15;
    }
  })();
  const published = network?.ports.length ? network.ports : (o.publish ?? []);
  const argv = [...rec.entrypoint, ...rec.cmd];
  return {
    Id: rec.id,
    Created: new GoTime(rec.created),
    Path: argv[0] ?? "",
    // podman 4.3: a command without arguments has itself as its one argument
    Args: argv.length > 1 ? argv.slice(1) : argv,
    State: {
      OciVersion: "1.0.2-dev",
      Status: state.status,
      Running: running,
      Paused: state.status === "paused",
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: state.pid ?? 0,
      ConmonPid: running || state.status === "paused" ? state.shimPid ?? 0 : 0,
      ExitCode: state.exitCode ?? 0,
      Error: state.error ?? "",
      StartedAt: new GoTime(state.startedAt ?? ZERO_TIME),
      FinishedAt: new GoTime(state.finishedAt ?? ZERO_TIME),
      Health: i.health ? { Status: i.health.Status, FailingStreak: i.health.FailingStreak, Log: i.health.Log } : o.health ? { Status: "starting", FailingStreak: 0, Log: goNilSlice() } : { Status: "", FailingStreak: 0, Log: goNilSlice() },
      CgroupPath: "",
      CheckpointedAt: new GoTime(ZERO_TIME),
      RestoredAt: new GoTime(ZERO_TIME),
    },
    Image: rec.image.id.slice(7),
    ImageDigest: i.imageDigest ?? "",
    ImageName: rec.image.name,
    Rootfs: "",
    Pod: "",
    ResolvConfPath: `${i.paths.userdata}/resolv.conf`,
    HostnamePath: `${i.paths.userdata}/hostname`,
    HostsPath: `${i.paths.userdata}/hosts`,
    StaticDir: i.paths.bundle,
    OCIConfigPath: `${i.paths.bundle}/config.json`,
    OCIRuntime: rec.runtime,
    ConmonPidFile: `${i.paths.bundle}/shim.pid`,
    PidFile: `${i.paths.bundle}/pid`,
    Name: rec.name,
    RestartCount: state.restartCount,
    Driver: rec.options.storageDriver === "vfs" ? "vfs" : "overlay",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    EffectiveCaps: caps,
    BoundingCaps: caps,
    ExecIDs: [],
    // podman's vfs containers show no overlay directories
    GraphDriver: rec.options.storageDriver === "vfs" ? { Name: "vfs", Data: null } : { Name: "overlay", Data: { LowerDir: i.paths.lowers.join(":"), MergedDir: i.paths.rootfs, UpperDir: i.paths.upper, WorkDir: i.paths.work } },
    Mounts: rec.mounts.map((m) => ({
      Type: m.type, Name: m.name ?? "", Source: m.source, Destination: m.destination, Driver: m.type === "volume" ? "local" : "", Mode: "",
      Options: m.options.length ? m.options : ["nosuid", "nodev", "rbind"], RW: m.rw, Propagation: "rprivate",
    })),
    Dependencies: o.network.startsWith("container:") ? [o.network.slice("container:".length)] : [],
    NetworkSettings: {
      EndpointID: "", Gateway: first?.gateway ?? "", IPAddress: first?.ip ?? "", IPPrefixLen: first?.prefixLen ?? 0, IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0,
      MacAddress: first?.mac ?? "", Bridge: "", SandboxID: "", HairpinMode: false, LinkLocalIPv6Address: "", LinkLocalIPv6PrefixLen: 0,
      Ports: goMap(portMap(published)),
      SandboxKey: network?.netns ?? "",
      // every network the container is on; addresses only while it runs
      Networks: goMap(Object.fromEntries(bridgeNetworks(o).map((n) => [n, networkEntry(n, network?.links.find((x) => x.network === n), rec)]))),
    },
    Namespace: "",
    IsInfra: false,
    IsService: false,
    Config: {
      Hostname: rec.hostname,
      Domainname: "",
      User: o.user ?? c.User ?? "",
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: o.tty,
      OpenStdin: o.interactive,
      StdinOnce: false,
      Env: containerEnvironment(c.Env, o.env, { hostname: rec.hostname }),
      Cmd: rec.cmd,
      Image: rec.image.name,
      Volumes: c.Volumes && Object.keys(c.Volumes).length ? goMap(c.Volumes) : goNilMap(),
      WorkingDir: o.workdir ?? c.WorkingDir ?? "/",
      Entrypoint: rec.entrypoint.join(" "),
      OnBuild: goNilSlice(),
      Labels: Object.keys({ ...c.Labels, ...o.labels }).length ? goMap({ ...c.Labels, ...o.labels }) : goNilMap(),
      Annotations: goMap({ "io.container.manager": "skiff", ...podmanAnnotations(rec), "org.opencontainers.image.stopSignal": String(signal), ...o.annotations }),
      Healthcheck: o.health ? healthcheckOf(o.health) : OMITTED_NIL,
      StopSignal: signal,
      HealthcheckOnFailureAction: o.health?.onFailure ?? "none",
      ...(o.health?.startup ? { StartupHealthCheck: startupCheckOf(o.health.startup) } : {}),
      CreateCommand: rec.createCommand ?? [],
      Umask: "0022",
      Timeout: 0,
      StopTimeout: o.stopTimeout,
      Passwd: true,
      sdNotifyMode: "container",
    },
    HostConfig: {
      Binds: binds(rec),
      CgroupManager: "cgroupfs",
      CgroupMode: "host",
      ContainerIDFile: "",
      LogConfig: { Type: o.log.driver, Config: goNilMap(), Path: rec.logPath, Tag: "", Size: o.log.maxSize ? String(o.log.maxSize) : "0B" },
      NetworkMode: o.network === "bridge" || bridgeNetworks(o).length ? "bridge" : o.network,
      PortBindings: goMap(portMap(o.publish ?? [])),
      RestartPolicy: { Name: o.restart.name === "no" ? "" : o.restart.name, MaximumRetryCount: o.restart.maxRetries },
      AutoRemove: o.autoRemove,
      VolumeDriver: "",
      VolumesFrom: goNilSlice(),
      CapAdd: o.capAdd,
      CapDrop: o.capDrop,
      Dns: o.dns ?? [],
      DnsOptions: o.dnsOption ?? [],
      DnsSearch: o.dnsSearch ?? [],
      ExtraHosts: (o.addHost ?? []).map((h) => `${h.host}:${h.ip}`),
      GroupAdd: o.groupAdd,
      IpcMode: "shareable",
      Cgroup: "",
      Cgroups: "default",
      Links: goNilSlice(),
      OomScoreAdj: 0,
      PidMode: "private",
      Privileged: o.privileged,
      PublishAllPorts: Boolean(o.publishAll),
      ReadonlyRootfs: o.readOnly,
      SecurityOpt: [...(o.noNewPrivileges ? ["no-new-privileges"] : []), ...(o.seccompUnconfined ? ["seccomp=unconfined"] : [])],
      Tmpfs: goMap(Object.fromEntries(rec.mounts.filter((m) => m.type === "tmpfs").map((m) => [m.destination, m.options.join(",")]))),
      UTSMode: "private",
      UsernsMode: o.userns ?? "",
      ShmSize: o.shmSize ?? 65536000,
      Runtime: "oci",
      ConsoleSize: [0, 0],
      Isolation: "",
      CpuShares: o.cpuShares ?? 0,
      Memory: o.memory ?? 0,
      NanoCpus: o.cpus ? Math.round(o.cpus * 1e9) : 0,
      CgroupParent: "",
      BlkioWeight: 0,
      BlkioWeightDevice: goNilSlice(),
      BlkioDeviceReadBps: goNilSlice(),
      BlkioDeviceWriteBps: goNilSlice(),
      BlkioDeviceReadIOps: goNilSlice(),
      BlkioDeviceWriteIOps: goNilSlice(),
      CpuPeriod: o.cpus ? 100000 : 0,
      CpuQuota: o.cpus ? Math.round(o.cpus * 100000) : 0,
      CpuRealtimePeriod: 0,
      CpuRealtimeRuntime: 0,
      CpusetCpus: o.cpusetCpus ?? "",
      CpusetMems: o.cpusetMems ?? "",
      Devices: (o.devices ?? []).map((d) => ({ PathOnHost: d.host, PathInContainer: d.container, CgroupPermissions: d.perms })),
      DiskQuota: 0,
      KernelMemory: 0,
      MemoryReservation: o.memoryReservation ?? 0,
      MemorySwap: o.memorySwap ?? 0,
      MemorySwappiness: 0,
      OomKillDisable: false,
      PidsLimit: o.pidsLimit ?? 0,
      Ulimits: ulimits(o),
      CpuCount: 0,
      CpuPercent: 0,
      IOMaximumIOps: 0,
      IOMaximumBandwidth: 0,
      CgroupConf: goNilMap(),
    },
  };
}
