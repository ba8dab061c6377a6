/**
 * The default seccomp filter: allow everything except the syscalls Docker's and podman's default
 * profiles keep from containers, each let through again when the container has the capability that
 * makes it legitimate. A deny list (not their allow list): short enough to read and review, and a
 * syscall a new kernel adds is not refused by a profile that predates it. Pure.
 */
import type { Spec } from "./types.js";

/** Syscalls refused unless the container has the capability (undefined: refused always). */
const GUARDED: [cap: string | undefined, names: string[]][] = [
  [undefined, ["add_key", "keyctl", "request_key", "lookup_dcookie", "nfsservctl", "sysfs", "_sysctl", "uselib", "userfaultfd", "ustat", "vm86", "vm86old", "get_kernel_syms", "query_module", "create_module"]],
  ["CAP_SYS_ADMIN", ["mount", "umount", "umount2", "pivot_root", "setns", "unshare", "quotactl", "swapon", "swapoff", "sethostname", "setdomainname", "fsconfig", "fsmount", "fsopen", "fspick", "move_mount", "open_tree", "mount_setattr", "bpf", "fanotify_init"]],
  ["CAP_SYS_MODULE", ["init_module", "finit_module", "delete_module"]],
  ["CAP_SYS_BOOT", ["reboot", "kexec_load", "kexec_file_load"]],
  ["CAP_SYS_TIME", ["settimeofday", "stime", "clock_settime", "clock_adjtime", "adjtimex"]],
  ["CAP_SYS_PTRACE", ["ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd"]],
  ["CAP_SYS_RAWIO", ["ioperm", "iopl"]],
  ["CAP_SYS_PACCT", ["acct"]],
  ["CAP_SYS_NICE", ["get_mempolicy", "set_mempolicy", "mbind", "move_pages"]],
  ["CAP_DAC_READ_SEARCH", ["open_by_handle_at", "name_to_handle_at"]],
  ["CAP_PERFMON", ["perf_event_open"]],
  ["CAP_SYSLOG", ["syslog"]],
];

/** libseccomp architecture names for a Node/Go arch: the native one and the compat ones it runs. */
export function seccompArchitectures(arch: string): string[] {
  switch (arch) {
    case "x64":
    case "amd64":
      return ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];
    case "arm64":
      return ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"];
    case "arm":
      return ["SCMP_ARCH_ARM"];
    default:
      return [];
  }
}

export function defaultSeccomp(caps: string[], arch: string): NonNullable<Spec["linux"]["seccomp"]> {
  const denied = GUARDED.filter(([cap]) => cap === undefined || !caps.includes(cap)).flatMap(([, names]) => names);
  return {
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: seccompArchitectures(arch),
    syscalls: [{ names: denied, action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
  };
}

/** Applied last, from the final capability set; --privileged and seccomp=unconfined go without. */
export function withSeccomp(unconfined: boolean, arch: string): (spec: Spec) => void {
  return (spec) => {
    if (unconfined) return;
    spec.linux.seccomp = defaultSeccomp(spec.process.capabilities?.bounding ?? [], arch);
  };
}
