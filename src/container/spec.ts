/**
 * A container's OCI spec from its image config and create options. Pure: the caller has resolved
 * the user inside the image, read the caller's hard limits and decided every mount's host source.
 */
import type { ImageConfig } from "../image/manifest.js";
import {
  commandOf, compose, withAnnotations, withDevices, withInit, type HostDevice, withArgs, withCapabilities, withCwd, withDefaultSpec, withEnv, withHostname,
  withMounts, withNoNewPrivileges, withPrivileged, withReadonlyRootfs, withResources, withRlimits, withShmSize, withSysctls, withTerminal, withUser,
} from "../spec/build.js";
import { withSeccomp } from "../spec/seccomp.js";
import type { Mount, Spec } from "../spec/types.js";
import type { ResolvedUser } from "../spec/user.js";
import type { IdMapping } from "../rootless/keep-id.js";
import type { ContainerOptions, CreateOptions } from "./options.js";

export interface SpecInputs {
  image: ImageConfig;
  options: ContainerOptions;
  userArgs: string[];
  user: ResolvedUser;
  hardLimits: Record<string, number>;
  /** The capabilities the caller can give (its bounding set): --privileged and ALL mean these. */
  boundingCaps?: string[];
  rootfs: string;
  hostname: string;
  /** Volumes, binds, tmpfs and the /etc files, with host sources decided. */
  mounts: Mount[];
  /** Node's process.arch of the host (the seccomp architectures follow it). */
  arch?: string;
  /** --device nodes, as found on the host. */
  devices?: HostDevice[];
  /** The network namespace made for a bridge network (none: a fresh, empty one). */
  netns?: string;
  /** Where the init (--init) is mounted inside the container. */
  init?: string;
  /** No cgroup the runtime may write (rootless without cgroup v2 delegation): no resources at all. */
  noCgroups?: boolean;
  /** In the rootless user namespace (rootless/). */
  rootless?: boolean;
  /** --userns keep-id: the container's own user namespace (made before, at `path`) and its mappings (rootless/keep-id.ts). */
  userns?: { uidMappings: IdMapping[]; gidMappings: IdMapping[]; path?: string };
}

/** The image's Entrypoint and Cmd as they end up after the user's overrides (for inspect). */
export function entrypointAndCmd(image: ImageConfig, o: CreateOptions, userArgs: string[]): { entrypoint: string[]; cmd: string[] } {
  const c = image.config ?? {};
  const entrypoint = o.entrypoint === "" ? [] : (o.entrypoint ?? c.Entrypoint ?? []);
  const cmd = userArgs.length > 0 ? userArgs : o.entrypoint !== undefined && o.entrypoint !== "" ? [] : (c.Cmd ?? []);
  return { entrypoint, cmd };
}

export function containerSpec(i: SpecInputs): Spec {
  const o = i.options;
  const c = i.image.config ?? {};
  const env = [...o.env, ...(i.user.home && !o.env.some((e) => e.startsWith("HOME=")) && !(c.Env ?? []).some((e) => e.startsWith("HOME=")) ? [`HOME=${i.user.home}`] : [])];
  const spec = compose(
    withDefaultSpec(i.rootfs),
    withArgs(commandOf(c, i.userArgs, o.entrypoint)),
    withEnv(c.Env, env, { hostname: i.hostname }),
    withCwd(c.WorkingDir, o.workdir),
    withUser(i.user),
    withHostname(i.hostname),
    withTerminal(o.tty),
    withReadonlyRootfs(o.readOnly),
    withNoNewPrivileges(o.noNewPrivileges),
    ...(o.privileged ? [withPrivileged(i.boundingCaps)] : []),
    withCapabilities(o.capAdd, o.capDrop, o.privileged, i.boundingCaps),
    withRlimits(o.ulimits, i.hardLimits),
    withResources({ memory: o.memory, memorySwap: o.memorySwap, memoryReservation: o.memoryReservation, cpus: o.cpus, cpuShares: o.cpuShares, cpusetCpus: o.cpusetCpus, cpusetMems: o.cpusetMems, pids: o.pidsLimit }),
    withShmSize(o.shmSize),
    withSysctls(o.sysctls ?? {}),
    withMounts(i.mounts),
    withAnnotations(o.annotations),
    withDevices(i.devices ?? []),
    ...(i.init ? [withInit(i.init)] : []),
    withSeccomp(o.privileged || Boolean(o.seccompUnconfined), i.arch ?? process.arch),
  );
  // runc in a user namespace ignores cgroups it cannot write, unless the spec asks for limits
  if (i.noCgroups) delete spec.linux.resources;
  if (o.network === "host") spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type !== "network");
  else if (i.netns) spec.linux.namespaces = spec.linux.namespaces.map((n) => (n.type === "network" ? { type: "network", path: i.netns } : n));
  if (i.userns) {
    spec.linux.namespaces.push({ type: "user", ...(i.userns.path ? { path: i.userns.path } : {}) });
    spec.linux.uidMappings = i.userns.uidMappings;
    spec.linux.gidMappings = i.userns.gidMappings;
  }
  // sysfs may be mounted only by the owner of the network namespace: with the host's, or (in a
  // user namespace of the container's own) one made outside it, the host's /sys is bound read-only
  // instead (as podman's)
  const foreignNetns = o.network === "host" || spec.linux.namespaces.some((n) => n.type === "network" && n.path);
  if ((o.network === "host" && i.rootless) || (i.userns && foreignNetns)) {
    spec.mounts = spec.mounts.filter((m) => !m.destination.startsWith("/sys/")).map((m) => (m.destination === "/sys" ? { destination: "/sys", type: "bind", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] } : m));
  }
  return spec;
}
