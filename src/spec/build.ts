/**
 * Image config + user options → OCI runtime spec, as functional options applied in order over
 * withDefaultSpec (containerd's pattern). Pure: no I/O; the caller resolves users and reads limits.
 */
import { SkiffError } from "../errors.js";
import { BUNDLE_OCI_VERSION } from "../version.js";
import type { ImageConfig } from "../image/manifest.js";
import { ALL_CAPS, DEFAULT_CAPS, MASKED_PATHS, READONLY_PATHS, RLIMIT_TYPES, defaultDeviceRules, defaultMounts } from "./defaults.js";
import type { Mount, Rlimit, Spec } from "./types.js";
import type { ResolvedUser } from "./user.js";

export type SpecOpt = (spec: Spec) => void;

export const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Use first: a complete spec for `rootfs` with podman's defaults. */
export function withDefaultSpec(rootfs: string): SpecOpt {
  return (spec) => {
    Object.assign(spec, {
      ociVersion: BUNDLE_OCI_VERSION,
      process: {
        terminal: false,
        user: { uid: 0, gid: 0, additionalGids: [0] },
        args: [],
        env: [DEFAULT_PATH],
        cwd: "/",
        capabilities: { bounding: [...DEFAULT_CAPS], effective: [...DEFAULT_CAPS], permitted: [...DEFAULT_CAPS] },
        noNewPrivileges: false,
      },
      root: { path: rootfs, readonly: false },
      mounts: defaultMounts(),
      linux: {
        namespaces: ["pid", "network", "ipc", "uts", "mount", "cgroup"].map((type) => ({ type })),
        maskedPaths: [...MASKED_PATHS],
        readonlyPaths: [...READONLY_PATHS],
        resources: { devices: defaultDeviceRules() },
      },
    } satisfies Spec);
  };
}

export function compose(...opts: SpecOpt[]): Spec {
  const spec = {} as Spec;
  for (const o of opts) o(spec);
  return spec;
}

/**
 * process.args from the image's Entrypoint/Cmd and the user's: user args replace Cmd; --entrypoint
 * replaces Entrypoint and drops the image's Cmd; --entrypoint "" clears it (podman's rules).
 */
export function commandOf(config: ImageConfig["config"], userArgs: string[], entrypoint?: string[] | ""): string[] {
  const imageEntry = config?.Entrypoint ?? [];
  const imageCmd = config?.Cmd ?? [];
  let args: string[];
  if (entrypoint === "") args = userArgs.length ? userArgs : imageCmd;
  else if (entrypoint) args = [...entrypoint, ...userArgs];
  else args = [...imageEntry, ...(userArgs.length ? userArgs : imageCmd)];
  if (args.length === 0) throw new SkiffError("INVALID_ARGUMENT", "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
  return args;
}

export function withArgs(args: string[]): SpecOpt {
  return (spec) => { spec.process.args = args; };
}

/** KEY=VALUE replaces by key or appends; a bare KEY removes it (containerd's rule). */
export function mergeEnv(base: string[], overrides: string[]): string[] {
  let env = [...base];
  for (const kv of overrides) {
    const key = kv.includes("=") ? kv.slice(0, kv.indexOf("=")) : kv;
    env = env.filter((e) => e.slice(0, e.indexOf("=") === -1 ? e.length : e.indexOf("=")) !== key);
    if (kv.includes("=")) env.push(kv);
  }
  return env;
}

/**
 * A container's whole environment (its process's, and inspect's Config.Env): the image's (or the
 * default PATH), what podman adds (TERM=xterm with or without a terminal, container=, HOSTNAME),
 * then the user's, which wins.
 */
export function containerEnvironment(imageEnv: string[] | undefined, userEnv: string[], extra: { hostname?: string } = {}): string[] {
  const base = imageEnv?.length ? imageEnv : [DEFAULT_PATH];
  const implied = ["TERM=xterm", "container=skiff", ...(extra.hostname ? [`HOSTNAME=${extra.hostname}`] : [])];
  return mergeEnv(mergeEnv(base, implied), userEnv);
}

export function withEnv(imageEnv: string[] | undefined, userEnv: string[], extra: { hostname?: string } = {}): SpecOpt {
  return (spec) => { spec.process.env = containerEnvironment(imageEnv, userEnv, extra); };
}

export function withCwd(imageWorkdir: string | undefined, override?: string): SpecOpt {
  return (spec) => {
    const cwd = override || imageWorkdir || "/";
    if (!cwd.startsWith("/")) throw new SkiffError("INVALID_ARGUMENT", `working directory "${cwd}" is not absolute`);
    spec.process.cwd = cwd;
  };
}

export function withUser(user: ResolvedUser): SpecOpt {
  return (spec) => { spec.process.user = { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids }; };
}

export function withHostname(hostname: string): SpecOpt {
  return (spec) => { spec.hostname = hostname; };
}

export function withTerminal(on: boolean): SpecOpt {
  return (spec) => { spec.process.terminal = on; };
}

export function withReadonlyRootfs(on: boolean): SpecOpt {
  return (spec) => { spec.root.readonly = on; };
}

export function withNoNewPrivileges(on: boolean): SpecOpt {
  return (spec) => { spec.process.noNewPrivileges = on; };
}

/** "net_admin", "CAP_NET_ADMIN", "ALL" → canonical names. */
export function normalizeCap(name: string): string {
  const upper = name.toUpperCase();
  if (upper === "ALL") return "ALL";
  const cap = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  if (!ALL_CAPS.includes(cap)) throw new SkiffError("INVALID_ARGUMENT", `unknown capability "${name}"`);
  return cap;
}

/** Drops apply before adds, as podman does (so --cap-drop ALL --cap-add X leaves X). Inheritable and ambient stay empty. */
/** The capabilities a container gets from --cap-add, --cap-drop and --privileged (also inspect's EffectiveCaps). */
export function capabilityList(add: string[], drop: string[], privileged = false, available: string[] = ALL_CAPS): string[] {
  const adds = add.map(normalizeCap), drops = drop.map(normalizeCap);
  // "all" is all the host can give: the caller's bounding set
  let caps = privileged ? [...available] : [...DEFAULT_CAPS];
  caps = drops.includes("ALL") ? [] : caps.filter((c) => !drops.includes(c));
  return adds.includes("ALL") ? [...available] : [...new Set([...caps, ...adds])];
}

export function withCapabilities(add: string[], drop: string[], privileged = false, available: string[] = ALL_CAPS): SpecOpt {
  return (spec) => {
    const caps = capabilityList(add, drop, privileged, available);
    spec.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
  };
}

/** --privileged: every capability, every device, nothing masked, /sys writable. */
export function withPrivileged(available: string[] = ALL_CAPS): SpecOpt {
  return (spec) => {
    withCapabilities([], [], true, available)(spec);
    spec.linux.maskedPaths = [];
    spec.linux.readonlyPaths = [];
    spec.linux.resources = { ...spec.linux.resources, devices: [{ allow: true, access: "rwm" }] };
    for (const m of spec.mounts) if (m.destination === "/sys" || m.destination === "/sys/fs/cgroup") m.options = m.options?.filter((o) => o !== "ro").concat("rw");
  };
}

/**
 * Rlimits, each clamped to the caller's hard limit: runc cannot raise a limit above it, and asking
 * fails the container (podman's defaults do exactly that on hosts with a low hard limit).
 */
export function withRlimits(requested: Record<string, { soft: number; hard: number }>, callerHard: Record<string, number>): SpecOpt {
  return (spec) => {
    const out: Rlimit[] = [];
    for (const [name, { soft, hard }] of Object.entries(requested)) {
      const type = RLIMIT_TYPES[name];
      if (!type) throw new SkiffError("INVALID_ARGUMENT", `unknown ulimit "${name}"`);
      const max = callerHard[name] ?? Infinity;
      const h = Math.min(hard, max);
      out.push({ type, soft: Math.min(soft, h), hard: h });
    }
    spec.process.rlimits = out;
  };
}

/** --sysctl KEY=VALUE, validated by parseSysctls. */
export function withSysctls(sysctls: Record<string, string>): SpecOpt {
  return (spec) => {
    if (Object.keys(sysctls).length) spec.linux.sysctl = { ...(spec.linux.sysctl ?? {}), ...sysctls };
  };
}

export interface Resources {
  memory?: number; memorySwap?: number; memoryReservation?: number;
  cpus?: number; cpuShares?: number; cpusetCpus?: string; cpusetMems?: string;
  pids?: number;
}

export function withResources(r: Resources): SpecOpt {
  return (spec) => {
    const res = (spec.linux.resources ??= {});
    const memory = { ...(r.memory !== undefined ? { limit: r.memory } : {}), ...(r.memorySwap !== undefined ? { swap: r.memorySwap } : {}), ...(r.memoryReservation !== undefined ? { reservation: r.memoryReservation } : {}) };
    if (Object.keys(memory).length) res.memory = memory;
    const cpu = {
      ...(r.cpus !== undefined && r.cpus > 0 ? { period: 100000, quota: Math.round(r.cpus * 100000) } : {}),
      ...(r.cpuShares ? { shares: r.cpuShares } : {}),
      ...(r.cpusetCpus ? { cpus: r.cpusetCpus } : {}),
      ...(r.cpusetMems ? { mems: r.cpusetMems } : {}),
    };
    if (Object.keys(cpu).length) res.cpu = cpu;
    if (r.pids !== undefined && r.pids > 0) res.pids = { limit: r.pids };
  };
}

/** --shm-size: the size of the /dev/shm tmpfs. */
export function withShmSize(bytes: number | undefined): SpecOpt {
  return (spec) => {
    if (bytes === undefined) return;
    spec.mounts = spec.mounts.map((m) => (m.destination === "/dev/shm" ? { ...m, options: [...(m.options ?? []).filter((o) => !o.startsWith("size=")), `size=${bytes}`] } : m));
  };
}

/** Extra mounts; one at the same destination as a default replaces it. */
export function withMounts(mounts: Mount[]): SpecOpt {
  return (spec) => {
    const dests = new Set(mounts.map((m) => m.destination));
    spec.mounts = [...spec.mounts.filter((m) => !dests.has(m.destination)), ...mounts];
  };
}

export function withAnnotations(annotations: Record<string, string>): SpecOpt {
  return (spec) => { spec.annotations = { ...spec.annotations, ...annotations }; };
}

export interface HostDevice { path: string; type: "c" | "b"; major: number; minor: number; fileMode: number; uid: number; gid: number; access: string }

/** --device: the node created in the container, and the cgroup rule that lets it be used. */
export function withDevices(devices: HostDevice[]): SpecOpt {
  return (spec) => {
    if (devices.length === 0) return;
    spec.linux.devices = [...(spec.linux.devices ?? []), ...devices.map(({ access: _a, ...d }) => d)];
    const res = (spec.linux.resources ??= {});
    res.devices = [...(res.devices ?? []), ...devices.map((d) => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access: d.access }))];
  };
}

/** --init: `init` (bind-mounted at that path) runs first and execs the command as its child. */
export function withInit(init: string): SpecOpt {
  return (spec) => {
    spec.process.args = [init, "--", ...spec.process.args];
  };
}
