/** The parts of the OCI runtime spec (v1.3.0, config.json) that skiff writes. */

export interface Mount { destination: string; type?: string; source?: string; options?: string[] }
export interface Rlimit { type: string; soft: number; hard: number }
export interface DeviceRule { allow: boolean; type?: string; major?: number; minor?: number; access?: string }

export interface Process {
  terminal?: boolean;
  user: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: { bounding: string[]; effective: string[]; permitted: string[]; inheritable?: string[]; ambient?: string[] };
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

export interface Spec {
  ociVersion: string;
  process: Process;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: Mount[];
  annotations?: Record<string, string>;
  linux: {
    namespaces: { type: string; path?: string }[];
    maskedPaths?: string[];
    readonlyPaths?: string[];
    resources?: {
      devices?: DeviceRule[];
      memory?: { limit?: number; swap?: number; reservation?: number };
      cpu?: { quota?: number; period?: number; shares?: number; cpus?: string; mems?: string };
      pids?: { limit: number };
    };
    sysctl?: Record<string, string>;
    devices?: { path: string; type: string; major: number; minor: number; fileMode?: number; uid?: number; gid?: number }[];
    seccomp?: { defaultAction: string; architectures?: string[]; syscalls?: { names: string[]; action: string; errnoRet?: number }[] };
    cgroupsPath?: string;
    uidMappings?: { containerID: number; hostID: number; size: number }[];
    gidMappings?: { containerID: number; hostID: number; size: number }[];
  };
}
