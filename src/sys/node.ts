/**
 * Sys on Node, which has no FFI: the standard binaries mount(8), umount(8), mknod(1), setfattr(1)
 * and getfattr(1) (Debian's mount, coreutils and attr packages). Process-level calls that only make
 * sense inside the calling process (setsid, fd passing) are not available; callers check `supports`
 * and take a simpler path. A shim started through perl is a child subreaper (subreaper-exec.ts):
 * it reads an orphan's status from the kernel but cannot reap it, so the zombie stays until the shim
 * exits and init takes it (`supports.reap` false: shim/created.ts bounds how many).
 */
import { SkiffError } from "../errors.js";
import { sysError } from "./errno.js";
import { statFields } from "../host/facts.js";
import { madeSubreaper } from "./subreaper-exec.js";
import { MNT_DETACH, MS, waitStatusCode, type Sys } from "./types.js";

/** mount(8) arguments for mount(2) flags. Pure. */
export function mountArgs(source: string, target: string, fstype: string, flags: number, data?: string): string[] {
  const has = (f: number) => (flags & f) !== 0;
  const propagation = [MS.PRIVATE, MS.SLAVE, MS.SHARED].find(has);
  if (propagation !== undefined) {
    const kind = propagation === MS.PRIVATE ? "private" : propagation === MS.SLAVE ? "slave" : "shared";
    return [`--make-${has(MS.REC) ? "r" : ""}${kind}`, target];
  }
  if (has(MS.MOVE)) return ["--move", source, target];
  const opts: string[] = [];
  if (has(MS.REMOUNT)) opts.push("remount");
  if (has(MS.BIND)) opts.push(has(MS.REC) ? "rbind" : "bind");
  opts.push(has(MS.RDONLY) ? "ro" : "rw");
  if (has(MS.NOSUID)) opts.push("nosuid");
  if (has(MS.NODEV)) opts.push("nodev");
  if (has(MS.NOEXEC)) opts.push("noexec");
  if (data) opts.push(data);
  if (has(MS.REMOUNT)) return ["-n", "-o", opts.join(","), target];
  const typeArgs = has(MS.BIND) || !fstype ? [] : ["-t", fstype];
  return ["-n", ...typeArgs, "-o", opts.join(","), source, target];
}

/** The errno a tool's message stands for (the tools print strerror text, not codes). */
const ERRNO_BY_MESSAGE: [RegExp, string][] = [
  [/No such file/i, "ENOENT"],
  [/not permitted|Permission denied/i, "EPERM"],
  [/No such attribute/i, "ENODATA"],
  [/File exists/i, "EEXIST"],
  [/not mounted|Invalid argument/i, "EINVAL"],
  [/busy/i, "EBUSY"],
];

type ExecFileSync = typeof import("node:child_process").execFileSync;
let execFileSync: ExecFileSync;

/** Runs a tool; a failure becomes one SkiffError line from its stderr. */
function run(what: string, file: string, args: string[]): Buffer {
  try {
    return execFileSync(file, args, { stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer; status?: number };
    if (e.code === "ENOENT") {
      throw new SkiffError("FAILED_PRECONDITION", `${what}: ${file} not found`, { hint: `install it, or run skiff under Bun or as the compiled binary` });
    }
    const msg = (e.stderr?.toString() ?? "").trim().split("\n").pop() ?? "";
    const errno = ERRNO_BY_MESSAGE.find(([re]) => re.test(msg))?.[1] ?? "EIO";
    throw sysError(what, errno, msg.replace(/^\S+: /, ""));
  }
}

function unsupported(what: string): never {
  throw new SkiffError("NOT_IMPLEMENTED", `${what}: not available on Node`, { hint: "use the compiled skiff binary, or run dist/skiff.js with Bun or Deno" });
}

export async function nodeSys(): Promise<Sys> {
  // loaded on demand: node:child_process costs start-up time every command would pay
  execFileSync ??= (await import("node:child_process")).execFileSync;
  const subreaper = madeSubreaper(process.env, process.pid);
  return {
    runtime: "node",
    supports: { subreaper, reap: false, setsid: false, fdPassing: false, flock: false },
    mount(source, target, fstype, flags, data) {
      run(`mount ${target}`, "mount", mountArgs(source, target, fstype, flags, data));
    },
    umount(target, flags = 0) {
      run(`umount ${target}`, "umount", [...((flags & MNT_DETACH) !== 0 ? ["-l"] : []), target]);
    },
    mknod(path, type, perm, major = 0, minor = 0) {
      const t = type === "char" ? "c" : type === "block" ? "b" : "p";
      run(`mknod ${path}`, "mknod", ["-m", (perm & 0o7777).toString(8), path, t, ...(type === "fifo" ? [] : [String(major), String(minor)])]);
    },
    lsetxattr(path, name, value) {
      // setfattr reads "0x…" as hex; an empty value is written as an empty quoted string
      const encoded = value.length === 0 ? '""' : `0x${Buffer.from(value).toString("hex")}`;
      run(`lsetxattr ${path} ${name}`, "setfattr", ["-h", "-n", name, "-v", encoded, "--", path]);
    },
    lgetxattr(path, name) {
      try {
        const out = run(`lgetxattr ${path} ${name}`, "getfattr", ["-h", "--absolute-names", "-e", "hex", "-n", name, "--", path]).toString();
        const hex = /=0x([0-9a-f]*)/.exec(out)?.[1];
        return hex === undefined ? new Uint8Array(0) : new Uint8Array(Buffer.from(hex, "hex"));
      } catch (err) {
        if (err instanceof SkiffError && err.message.includes("ENODATA")) return undefined;
        throw err;
      }
    },
    llistxattr(path) {
      const out = run(`llistxattr ${path}`, "getfattr", ["-h", "--absolute-names", "-d", "-m", "-", "--", path]).toString();
      return out.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split("=")[0]);
    },
    setChildSubreaper(on) {
      if (on !== subreaper) unsupported("prctl PR_SET_CHILD_SUBREAPER");
    },
    waitExited(pid) {
      return exitedChild(statFields(pid), pid);
    },
    // the status is read from /proc and the zombie stays: nothing a caller could reap
    exitedChildPid: () => undefined,
    isChildSubreaper: () => subreaper,
    setsid: () => unsupported("setsid"),
    socketpair: () => unsupported("socketpair"),
    pipe: () => unsupported("pipe2"),
    sendFd: () => unsupported("sendmsg SCM_RIGHTS"),
    recvFd: () => unsupported("recvmsg SCM_RIGHTS"),
    close: () => unsupported("close"),
    flock: () => unsupported("flock"),
    // Node's text is the node binary's, mapped by every Node process; nothing to call madvise with
    dropCodePages: () => 0,
    syncfs(path) {
      run(`syncfs ${path}`, "sync", ["--file-system", path]);
    },
  };
}

/**
 * waitpid(WNOHANG) without reaping, from /proc/PID/stat's fields: the status once child `pid` is a
 * zombie (exit_code, field 52), undefined while it runs; throws as waitpid's ECHILD for a process
 * that is not this one's child. Pure.
 */
export function exitedChild(fields: string[] | undefined, pid: number, self = process.pid): number | undefined {
  if (!fields || Number(fields[1]) !== self) throw sysError(`waitpid ${pid}`, "ECHILD", "not a child of this process");
  if (fields[0] !== "Z" && fields[0] !== "X") return undefined;
  return waitStatusCode(Number(fields[49]));
}
