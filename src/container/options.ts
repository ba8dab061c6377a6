/**
 * run/create flags → what a container is made of, validated before anything touches disk. Pure:
 * files (--env-file) are read by the caller and passed in as text.
 */
import { resolve as resolvePath } from "node:path";
import { hostEnvironment, parseResourceOptions, type ResourceOptions } from "./resource-options.js";
import { SkiffError } from "../errors.js";
import { parseSize, parseSysctls, parseUlimit } from "../spec/values.js";
import type { Mount } from "../spec/types.js";
import { parseRestartPolicy, type RestartPolicy } from "./policy.js";
import { parseSignal } from "./signals.js";
import { canonicalNetwork } from "../network/config.js";
import { parsePublish, type PortMapping } from "../network/ports.js";
import { parseAddHost, parseDns, parseDnsOption, parseDnsSearch, type HostEntry } from "./etc-files.js";

import type { HealthConfig, HealthFlags } from "./health.js";

export interface VolumeSpec { kind: "bind" | "volume" | "tmpfs" | "image"; source: string; destination: string; options: string[]; rw: boolean; /** type=image: the name given (source becomes the image ID). */ name?: string }

export interface DeviceSpec { host: string; container: string; perms: string }

/** --device /dev/fuse, /dev/sda:/dev/xvda, /dev/ttyUSB0:/dev/ttyUSB0:rw */
export function parseDevice(value: string): DeviceSpec {
  const parts = value.split(":");
  const host = parts[0];
  let container = host, perms = "rwm";
  if (parts.length === 2) {
    if (/^[rwm]+$/.test(parts[1])) perms = parts[1];
    else container = parts[1];
  } else if (parts.length === 3) [, container, perms] = parts;
  if (parts.length > 3 || !host.startsWith("/") || !container.startsWith("/") || !/^[rwm]{1,3}$/.test(perms)) {
    throw new SkiffError("INVALID_ARGUMENT", `invalid --device "${value}"`, { hint: "use HOST[:CONTAINER][:PERMS], absolute paths, PERMS from r, w, m" });
  }
  return { host, container, perms };
}

export interface CreateOptions {
  name?: string;
  env: string[];
  volumes: VolumeSpec[];
  workdir?: string;
  user?: string;
  groupAdd: string[];
  entrypoint?: string[] | "";
  hostname?: string;
  readOnly: boolean;
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  noNewPrivileges: boolean;
  /** --device HOST[:CONTAINER][:PERMS] */
  devices?: DeviceSpec[];
  /** --conmon-pidfile: the shim also writes its pid here (a systemd unit's PIDFile=). */
  conmonPidfile?: string;
  /** The health check (the image's merged with the --health-* flags at create). */
  health?: HealthConfig;
  /** The --health-* flags as given (create merges them with the image's HEALTHCHECK). */
  healthFlags?: HealthFlags;
  /** --init: catatonit as PID 1, forwarding signals and reaping zombies. */
  init?: boolean;
  /** --security-opt seccomp=unconfined: no syscall filter. */
  seccompUnconfined?: boolean;
  memory?: number;
  cpus?: number;
  pidsLimit?: number;
  ulimits: Record<string, { soft: number; hard: number }>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  stopSignal: string;
  stopTimeout: number;
  restart: RestartPolicy;
  /** "host", "none", "container:ID", or the first network's name ("bridge": the default network). */
  network: string;
  /** Every network, in interface order, when there are several or `network connect` changed them. */
  networks?: string[];
  /** `network connect --alias`: names on one network only. */
  linkAliases?: Record<string, string[]>;
  /** -p, host ports 0 to be chosen at start; with -P the image's exposed ports are added at create. */
  publish?: PortMapping[];
  publishAll?: boolean;
  /** --network-alias: more names peers on a user network reach it by. */
  networkAliases?: string[];
  /** --add-host, --dns, --dns-search, --dns-option: the container's /etc/hosts and /etc/resolv.conf. */
  addHost?: HostEntry[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  /** --sysctl, namespaced keys only. */
  sysctls?: Record<string, string>;
  interactive: boolean;
  tty: boolean;
  autoRemove: boolean;
  log: { driver: "k8s-file" | "none"; path?: string; maxSize: number; maxFile: number };
}

/** Everything of a container's options: the resource, time zone and user flags are in resource-options.ts. */
export type ContainerOptions = CreateOptions & ResourceOptions;

const strings = (v: unknown) => (Array.isArray(v) ? (v as string[]) : []);

function healthFlagsOf(opts: Record<string, unknown>): HealthFlags {
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  if (opts.rm && opts.healthOnFailure === "restart") throw new SkiffError("INVALID_ARGUMENT", "--health-on-failure restart and --rm cannot be used together");
  return {
    cmd: str(opts.healthCmd), interval: str(opts.healthInterval), timeout: str(opts.healthTimeout),
    retries: typeof opts.healthRetries === "number" ? opts.healthRetries : undefined,
    startPeriod: str(opts.healthStartPeriod), startInterval: str(opts.healthStartInterval), onFailure: str(opts.healthOnFailure),
    none: opts.healthcheck === false || opts.noHealthcheck === true,
    startupCmd: str(opts.healthStartupCmd), startupInterval: str(opts.healthStartupInterval), startupTimeout: str(opts.healthStartupTimeout),
    startupRetries: typeof opts.healthStartupRetries === "number" ? opts.healthStartupRetries : undefined,
    startupSuccess: typeof opts.healthStartupSuccess === "number" ? opts.healthStartupSuccess : undefined,
  };
}

/** KEY=VALUE lines; "KEY" alone takes the host's value (or is dropped when the host has none). */
export function parseEnvEntries(entries: string[], hostEnv: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.includes("=")) {
      if (e.startsWith("=")) throw new SkiffError("INVALID_ARGUMENT", `invalid environment variable "${e}"`);
      out.push(e);
    } else if (e && hostEnv[e] !== undefined) out.push(`${e}=${hostEnv[e]}`);
  }
  return out;
}

/** An env file: KEY=VALUE per line, # comments and blank lines skipped. */
export function parseEnvFile(text: string, hostEnv: NodeJS.ProcessEnv): string[] {
  return parseEnvEntries(text.split("\n").map((l) => l.replace(/\r$/, "")).filter((l) => l.trim() && !l.trimStart().startsWith("#")), hostEnv);
}

/** KEY=VALUE entries (labels, annotations); a bare KEY has an empty value. */
export function keyValues(entries: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const i = e.indexOf("=");
    if (i === 0) throw new SkiffError("INVALID_ARGUMENT", `invalid ${flag} "${e}"`, { hint: "use KEY=VALUE" });
    if (i < 0) out[e] = "";
    else out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

function absolute(path: string, what: string): string {
  if (!path.startsWith("/")) throw new SkiffError("INVALID_ARGUMENT", `${what} "${path}" must be an absolute path`);
  return path;
}

/** A mount destination: absolute, and not the container's "/" (runc would fail on it later). */
function destinationOf(path: string, what: string): string {
  absolute(path, what);
  if (path.replace(/\/+/g, "/").replace(/(.)\/$/, "$1").split("/").filter((c) => c && c !== ".").length === 0) {
    throw new SkiffError("INVALID_ARGUMENT", `invalid ${what} "${path}": a mount cannot replace the container's /`);
  }
  return path;
}

/** The kernel's limit (HOST_NAME_MAX) and RFC 1123's characters, checked here rather than by runc at start. */
export function parseHostname(value: string): string {
  if (value.length > 64 || !/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(value)) {
    throw new SkiffError("INVALID_ARGUMENT", `invalid hostname "${value.slice(0, 70)}${value.length > 70 ? "…" : ""}"`, { hint: "at most 64 letters, digits, '-' and '.'" });
  }
  return value;
}

/** podman 4.4's lower bound: a smaller limit would kill the container's runtime before it starts. */
export function parseMemory(value: string): number {
  const bytes = parseSize(value, "--memory");
  if (bytes > Number.MAX_SAFE_INTEGER) throw new SkiffError("INVALID_ARGUMENT", `invalid --memory "${value}": too large`);
  if (bytes > 0 && bytes < 6 * 1024 * 1024) throw new SkiffError("INVALID_ARGUMENT", "minimum memory limit allowed is 6MB");
  return bytes;
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** -v SRC:DST[:OPTS] (SRC an absolute host path, or a volume name), -v DST (an anonymous volume). */
export function parseVolume(value: string): VolumeSpec {
  const parts = value.split(":");
  if (parts.length === 1) return { kind: "volume", source: "", destination: destinationOf(parts[0], "volume destination"), options: [], rw: true };
  if (parts.length > 3 || !parts[0] || !parts[1]) throw new SkiffError("INVALID_ARGUMENT", `invalid volume "${value}"`, { hint: "use SRC:DST[:OPTIONS]" });
  const [src, dst, opts = ""] = parts;
  const options = opts.split(",").filter(Boolean);
  for (const o of options) {
    if (!["ro", "rw", "z", "Z", "shared", "rshared", "slave", "rslave", "private", "rprivate", "nosuid", "nodev", "noexec", "suid", "dev", "exec", "rbind", "bind"].includes(o)) {
      throw new SkiffError("INVALID_ARGUMENT", `invalid volume option "${o}" in "${value}"`);
    }
  }
  if (options.filter((o) => o === "ro" || o === "rw").length > 1) throw new SkiffError("INVALID_ARGUMENT", `invalid options "${options.filter((o) => o === "ro" || o === "rw").join(", ")}", can only specify 1 'rw' or 'ro' option`);
  const rw = !options.includes("ro");
  const mountOpts = options.filter((o) => !["ro", "rw", "z", "Z"].includes(o));
  if (src.startsWith("/")) return { kind: "bind", source: src, destination: destinationOf(dst, "volume destination"), options: mountOpts, rw };
  if (!VOLUME_NAME.test(src)) throw new SkiffError("INVALID_ARGUMENT", `invalid volume name "${src}"`, { hint: "a host path must be absolute" });
  return { kind: "volume", source: src, destination: destinationOf(dst, "volume destination"), options: mountOpts, rw };
}

/** --mount type=bind|volume|tmpfs|image,source=…,destination=…[,ro][,tmpfs-size=…] */
export function parseMountFlag(value: string): VolumeSpec {
  const fields: Record<string, string> = {};
  let rw: boolean | undefined;
  for (const f of value.split(",")) {
    const [k, v] = f.includes("=") ? [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)] : [f, "true"];
    if (k === "ro" || k === "readonly") rw = v === "false";
    else if (k === "rw" || k === "readwrite") rw = v !== "false";
    else fields[{ src: "source", dst: "destination", target: "destination" }[k] ?? k] = v;
  }
  const kind = fields.type;
  if (kind !== "bind" && kind !== "volume" && kind !== "tmpfs" && kind !== "image") throw new SkiffError("INVALID_ARGUMENT", `invalid --mount "${value}"`, { hint: "type must be bind, volume, tmpfs or image" });
  if (!fields.destination) throw new SkiffError("INVALID_ARGUMENT", `invalid --mount "${value}": no destination`);
  const destination = destinationOf(fields.destination, "mount destination");
  // an image is mounted read-only unless rw=true (podman's default); the others read-write
  if (kind === "image") {
    if (!fields.source) throw new SkiffError("INVALID_ARGUMENT", `invalid --mount "${value}": no source image`);
    return { kind, source: fields.source, name: fields.source, destination, options: [], rw: rw ?? false };
  }
  rw ??= true;
  if (kind === "tmpfs") {
    const options = [...(fields["tmpfs-size"] ? [`size=${parseSize(fields["tmpfs-size"], "tmpfs-size")}`] : []), ...(fields["tmpfs-mode"] ? [`mode=${fields["tmpfs-mode"]}`] : [])];
    checkTmpfsOptions(options, value);
    return { kind, source: "tmpfs", destination, options, rw };
  }
  if (kind === "bind") return { kind, source: absolute(fields.source ?? "", "bind mount source"), destination, options: [], rw };
  const source = fields.source ?? "";
  if (source && !VOLUME_NAME.test(source)) throw new SkiffError("INVALID_ARGUMENT", `invalid volume name "${source}"`);
  return { kind, source, destination, options: [], rw };
}

/** --tmpfs DST[:OPTS] */
/** tmpfs options the kernel and runc take; a bad size or mode fails here, not in runc's mount. */
function checkTmpfsOptions(options: string[], value: string): void {
  const flags = ["ro", "rw", "noexec", "exec", "nosuid", "suid", "nodev", "dev", "tmpcopyup", "notmpcopyup", "rprivate", "private", "shared", "rshared", "slave", "rslave", "relatime", "norelatime", "strictatime", "nostrictatime", "noatime", "atime"];
  for (const o of options) {
    const [k, v] = o.split("=", 2);
    const ok = v === undefined ? flags.includes(k)
      : k === "size" ? /^\d+[kmgtpe%]?$/i.test(v)
      : k === "mode" ? /^[0-7]{3,4}$/.test(v)
      : k === "nr_inodes" || k === "nr_blocks" || k === "uid" || k === "gid" ? /^\d+[kmg]?$/i.test(v)
      : false;
    if (!ok) throw new SkiffError("INVALID_ARGUMENT", `invalid tmpfs option "${o}" in "${value}"`, { hint: "size=SIZE, mode=OCTAL, nr_inodes=N, uid=, gid=, ro, noexec, nosuid, nodev" });
  }
}

export function parseTmpfs(value: string): VolumeSpec {
  const i = value.indexOf(":");
  const dst = i < 0 ? value : value.slice(0, i);
  const options = i < 0 ? [] : value.slice(i + 1).split(",").filter(Boolean);
  checkTmpfsOptions(options, value);
  return { kind: "tmpfs", source: "tmpfs", destination: destinationOf(dst, "tmpfs destination"), options: options.filter((o) => o !== "ro" && o !== "rw"), rw: !options.includes("ro") };
}

/** --entrypoint: a JSON array, "" (clears it), or one string (one argument, as podman treats it). */
export function parseEntrypoint(value: string | undefined): string[] | "" | undefined {
  if (value === undefined) return undefined;
  if (value === "") return "";
  if (value.trim().startsWith("[")) {
    try {
      const arr = JSON.parse(value) as unknown;
      if (Array.isArray(arr) && arr.every((a) => typeof a === "string")) return arr as string[];
    } catch { /* not JSON: a plain command */ }
  }
  return [value];
}

function logOptions(entries: string[], driver: string, defaults: { maxSize: number; maxFile: number }): CreateOptions["log"] {
  const d = driver === "json-file" ? "k8s-file" : driver;
  if (d !== "k8s-file" && d !== "none") throw new SkiffError("INVALID_ARGUMENT", `unsupported log driver "${driver}"`, { hint: "use k8s-file or none" });
  const out: CreateOptions["log"] = { driver: d, ...defaults };
  for (const [k, v] of Object.entries(keyValues(entries, "--log-opt"))) {
    if (k === "max-size") out.maxSize = v === "-1" ? 0 : parseSize(v, "--log-opt max-size");
    else if (k === "max-file") {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new SkiffError("INVALID_ARGUMENT", `invalid --log-opt max-file "${v}"`, { hint: "a whole number of at least 1" });
      out.maxFile = Number(v);
    } else if (k === "path") out.path = absolute(v, "log path");
    else throw new SkiffError("INVALID_ARGUMENT", `unsupported --log-opt "${k}"`, { hint: "use max-size, max-file or path" });
  }
  return out;
}

/** Whether a --network value names a network (bridge or user) rather than a mode. */
export const isBridged = (network: string) => network !== "host" && network !== "none" && network !== "slirp4netns" && network !== "pasta" && !network.startsWith("container:");

/** The networks the container gets an interface on, in order, by their names ("bridge" is "skiff"); none for host, none, container:. */
export function bridgeNetworks(o: Pick<CreateOptions, "network" | "networks">): string[] {
  return (o.networks ?? (isBridged(o.network) ? [o.network] : [])).map(canonicalNetwork);
}

/** --network, once or (for networks) several times: the first value and the whole list. */
function networks(value: unknown, fallback = "bridge"): { net: string; list?: string[] } {
  const values = (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === "string" ? v.split(",") : [])).filter(Boolean);
  const all = values.length ? values.map(network) : [fallback];
  if (all.length > 1 && !all.every(isBridged)) throw new SkiffError("INVALID_ARGUMENT", `--network ${all.find((n) => !isBridged(n))} cannot be combined with other networks`);
  if (new Set(all).size !== all.length) throw new SkiffError("INVALID_ARGUMENT", "--network: a network is given twice");
  return { net: all[0], list: all.length > 1 ? all : undefined };
}

function network(value: unknown): string {
  const v = typeof value === "string" && value !== "" ? value : "bridge";
  if (v.startsWith("container:")) {
    if (v.length === "container:".length) throw new SkiffError("INVALID_ARGUMENT", "--network container: needs a container name or ID");
    return v;
  }
  if (v === "private") {
    throw new SkiffError("NOT_IMPLEMENTED", `--network ${v}: not implemented yet`, { hint: "use bridge, a network name, slirp4netns, pasta, host or none" });
  }
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v)) throw new SkiffError("INVALID_ARGUMENT", `invalid --network "${v}"`);
  return v;
}

export function parseCreateOptions(opts: Record<string, unknown>, io: { env: NodeJS.ProcessEnv; envFiles: string[]; logDefaults: { maxSize: number; maxFile: number }; zoneExists?: (name: string) => boolean; defaultNetwork?: string }): ContainerOptions {
  // rootless: pasta or slirp4netns, whichever is installed (the bridge needs root)
  const { net, list: netList } = networks(opts.network, io.defaultNetwork);
  const publish = strings(opts.publish).flatMap(parsePublish);
  if ((publish.length || opts.publishAll) && (net === "host" || net === "none" || net.startsWith("container:"))) {
    throw new SkiffError("INVALID_ARGUMENT", `cannot publish ports with --network ${net}`, { hint: "publishing needs a bridge network" });
  }
  const security = strings(opts.securityOpt);
  let noNewPrivileges = false, seccompUnconfined = false;
  for (const s of security) {
    if (s === "no-new-privileges" || s === "no-new-privileges=true" || s === "no-new-privileges:true") noNewPrivileges = true;
    else if (s === "seccomp=unconfined" || s === "seccomp:unconfined") seccompUnconfined = true;
    else throw new SkiffError("NOT_IMPLEMENTED", `--security-opt ${s}: not supported`, { hint: "supported: no-new-privileges, seccomp=unconfined" });
  }
  const ulimits: CreateOptions["ulimits"] = { nofile: { soft: 1048576, hard: 1048576 }, nproc: { soft: 4194304, hard: 4194304 } };
  for (const u of strings(opts.ulimit)) {
    const { name, soft, hard } = parseUlimit(u);
    ulimits[name] = { soft, hard };
  }
  const cpus = opts.cpus === undefined ? undefined : Number(opts.cpus);
  if (cpus !== undefined && (!Number.isFinite(cpus) || cpus < 0)) throw new SkiffError("INVALID_ARGUMENT", `invalid --cpus "${String(opts.cpus)}"`);
  const stopSignal = typeof opts.stopSignal === "string" ? opts.stopSignal : "";
  if (stopSignal) parseSignal(stopSignal);
  if (opts.rm && typeof opts.restart === "string" && opts.restart !== "no") throw new SkiffError("INVALID_ARGUMENT", "--rm and a --restart policy cannot be used together");
  const pids = opts.pidsLimit === undefined ? undefined : Number(opts.pidsLimit);
  const memory = typeof opts.memory === "string" ? parseMemory(opts.memory) : undefined;
  const resources = parseResourceOptions(opts, memory, io.zoneExists ?? (() => true));
  return {
    ...resources,
    name: typeof opts.name === "string" ? opts.name : undefined,
    env: [...(opts.envHost ? hostEnvironment(io.env) : []), ...io.envFiles.flatMap((t) => parseEnvFile(t, io.env)), ...parseEnvEntries(strings(opts.env), io.env)],
    volumes: [...strings(opts.volume).map(parseVolume), ...strings(opts.mount).map(parseMountFlag), ...strings(opts.tmpfs).map(parseTmpfs)],
    workdir: typeof opts.workdir === "string" ? absolute(opts.workdir, "working directory") : undefined,
    user: typeof opts.user === "string" ? opts.user : undefined,
    groupAdd: strings(opts.groupAdd),
    entrypoint: parseEntrypoint(opts.entrypoint as string | undefined),
    hostname: typeof opts.hostname === "string" ? parseHostname(opts.hostname) : undefined,
    readOnly: Boolean(opts.readOnly),
    capAdd: strings(opts.capAdd),
    capDrop: strings(opts.capDrop),
    privileged: Boolean(opts.privileged),
    noNewPrivileges,
    seccompUnconfined,
    devices: strings(opts.device).map(parseDevice),
    init: Boolean(opts.init),
    healthFlags: healthFlagsOf(opts),
    ...(typeof opts.conmonPidfile === "string" ? { conmonPidfile: resolvePath(opts.conmonPidfile) } : {}),
    memory,
    cpus,
    pidsLimit: pids !== undefined && pids > 0 ? pids : undefined,
    ulimits,
    labels: keyValues(strings(opts.label), "--label"),
    annotations: keyValues(strings(opts.annotation), "--annotation"),
    stopSignal,
    stopTimeout: Number(opts.stopTimeout ?? 10),
    restart: parseRestartPolicy(typeof opts.restart === "string" ? opts.restart : "no"),
    network: net,
    ...(netList ? { networks: netList } : {}),
    publish,
    publishAll: Boolean(opts.publishAll),
    networkAliases: strings(opts.networkAlias),
    addHost: strings(opts.addHost).map(parseAddHost),
    dns: parseDns(strings(opts.dns)),
    dnsSearch: parseDnsSearch(strings(opts.dnsSearch)),
    dnsOption: parseDnsOption(strings(opts.dnsOption)),
    sysctls: parseSysctls(strings(opts.sysctl), net === "host"),
    // -a stdin asks for stdin as -i does
    interactive: Boolean(opts.interactive) || strings(opts.attach).some((a) => a.toLowerCase() === "stdin"),
    tty: Boolean(opts.tty),
    autoRemove: Boolean(opts.rm),
    log: logOptions(strings(opts.logOpt), String(opts.logDriver ?? "k8s-file"), io.logDefaults),
  };
}

export type { Mount };
