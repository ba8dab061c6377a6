/**
 * Defaults of a new container's spec, as podman and containerd choose them
 * (registry-and-images.md §13.4–13.6): capabilities, mounts, masked and read-only paths, devices.
 */
import type { DeviceRule, Mount } from "./types.js";

/** podman's default set (containers/common DefaultCapabilities): Docker's minus MKNOD, NET_RAW, AUDIT_WRITE. */
export const DEFAULT_CAPS = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
  "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
];

/** Every capability a current kernel knows, for --privileged and --cap-add ALL. */
export const ALL_CAPS = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
  "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
  "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
];

/** containerd's defaultMounts, with the cgroup mount podman and nerdctl add. */
export function defaultMounts(): Mount[] {
  return [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"] },
  ];
}

export const MASKED_PATHS = [
  "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
  "/sys/fs/selinux", "/proc/interrupts",
];

export const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

/** Deny every device, then allow the standard ones (containerd's WithDefaultUnixDevices). */
export function defaultDeviceRules(): DeviceRule[] {
  const char = (major: number, minor?: number): DeviceRule => ({ allow: true, type: "c", major, ...(minor === undefined ? {} : { minor }), access: "rwm" });
  return [
    { allow: false, access: "rwm" },
    char(1, 3), // null
    char(1, 5), // zero
    char(1, 7), // full
    char(1, 8), // random
    char(1, 9), // urandom
    char(5, 0), // tty
    char(5, 1), // console
    char(5, 2), // ptmx
    char(136), // pts/*
    char(10, 200), // net/tun
  ];
}

/** /proc/self/limits names → OCI rlimit types. */
export const RLIMIT_TYPES: Record<string, string> = {
  core: "RLIMIT_CORE", cpu: "RLIMIT_CPU", data: "RLIMIT_DATA", fsize: "RLIMIT_FSIZE", locks: "RLIMIT_LOCKS",
  memlock: "RLIMIT_MEMLOCK", msgqueue: "RLIMIT_MSGQUEUE", nice: "RLIMIT_NICE", nofile: "RLIMIT_NOFILE",
  nproc: "RLIMIT_NPROC", rss: "RLIMIT_RSS", rtprio: "RLIMIT_RTPRIO", rttime: "RLIMIT_RTTIME",
  sigpending: "RLIMIT_SIGPENDING", stack: "RLIMIT_STACK", as: "RLIMIT_AS",
};
