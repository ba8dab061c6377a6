/**
 * The Sys implementation over libc, shared by Bun (bun:ffi) and Deno (Deno.dlopen): each runtime
 * only provides a LibcPort. Struct layouts are those of 64-bit Linux (x86_64, aarch64), the only
 * targets Bun and Deno ship for; 32-bit devices run on Node and its fallback.
 */
import { closeSync, openSync, readFileSync } from "node:fs";
import { cleanProgramRanges } from "./code-pages.js";
import { SkiffError } from "../errors.js";
import type { JsRuntime } from "../runtime-info.js";
import { sysError } from "./errno.js";
import { NODE_TYPES, makedev, waitStatusCode, type Sys } from "./types.js";

export type FfiType = "i32" | "u32" | "u64" | "i64" | "ptr" | "void";

/** Symbols used, with C signatures in the port-neutral notation above. */
export const LIBC_SYMBOLS = {
  mount: { args: ["ptr", "ptr", "ptr", "u64", "ptr"], returns: "i32" },
  umount2: { args: ["ptr", "i32"], returns: "i32" },
  mknod: { args: ["ptr", "u32", "u64"], returns: "i32" },
  lsetxattr: { args: ["ptr", "ptr", "ptr", "u64", "i32"], returns: "i32" },
  lgetxattr: { args: ["ptr", "ptr", "ptr", "u64"], returns: "i64" },
  llistxattr: { args: ["ptr", "ptr", "u64"], returns: "i64" },
  prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" },
  setsid: { args: [], returns: "i32" },
  socketpair: { args: ["i32", "i32", "i32", "ptr"], returns: "i32" },
  sendmsg: { args: ["i32", "ptr", "i32"], returns: "i64" },
  recvmsg: { args: ["i32", "ptr", "i32"], returns: "i64" },
  close: { args: ["i32"], returns: "i32" },
  flock: { args: ["i32", "i32"], returns: "i32" },
  syncfs: { args: ["i32"], returns: "i32" },
  waitpid: { args: ["i32", "ptr", "i32"], returns: "i32" },
  waitid: { args: ["i32", "i32", "ptr", "i32"], returns: "i32" },
  pipe2: { args: ["ptr", "i32"], returns: "i32" },
  fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
  madvise: { args: ["u64", "u64", "i32"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
} as const satisfies Record<string, { args: readonly FfiType[]; returns: FfiType }>;

export type LibcSymbol = keyof typeof LIBC_SYMBOLS;
type Arg = number | bigint | Uint8Array | null;

export interface LibcPort {
  runtime: JsRuntime;
  call(name: LibcSymbol, ...args: Arg[]): number;
  /** errno of the last failed call; read right after it. */
  errno(): number;
  /** The address of a buffer, to store inside C structs (msghdr, iovec). */
  address(buf: Uint8Array): bigint;
}

const MADV_DONTNEED = 4;
/** The program's clean text and read-only data, found at the first drop: mappings of the executable do not move. */
let programRanges: [bigint, bigint][] | undefined;
const PR_SET_CHILD_SUBREAPER = 36;
const PR_GET_CHILD_SUBREAPER = 37;
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;
const F_GETFL = 3;
const F_SETFL = 4;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_CMSG_CLOEXEC = 0x40000000;
const ENODATA = 61;
const EWOULDBLOCK = 11;
const EINTR = 4;
const LOCK = { shared: 1, exclusive: 2, unlock: 8 } as const;
const LOCK_NB = 4;
const WNOHANG = 1;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
const P_ALL = 0;
const ECHILD = 10;
/** siginfo_t's size and si_pid's offset in it (64-bit Linux: three ints and padding before the union). */
const SIGINFO_SIZE = 128;
const SI_PID = 16;
const ERANGE = 34;

/**
 * Scratch for the small out-parameters of the calls a health-checking shim makes every probe
 * (waitpid's status, pipe2's fds, waitid's siginfo, prctl's flag): each call filling its own new
 * buffer was garbage a second for the collector, and the allocator's pages it left committed are
 * a checking shim's memory. Calls are synchronous and copy out before returning, so one is enough.
 */
const scratch = new Uint8Array(SIGINFO_SIZE);
const scratchView = new DataView(scratch.buffer);

const cstr = (s: string) => new TextEncoder().encode(`${s}\0`);

/** msghdr with one iovec over `data` and a control buffer for one fd (64-bit layout). */
function msghdr(port: LibcPort, data: Uint8Array, control: Uint8Array) {
  const iov = new Uint8Array(16);
  const iv = new DataView(iov.buffer);
  iv.setBigUint64(0, port.address(data), true);
  iv.setBigUint64(8, BigInt(data.length), true);
  const msg = new Uint8Array(56);
  const mv = new DataView(msg.buffer);
  mv.setBigUint64(16, port.address(iov), true);
  mv.setBigUint64(24, 1n, true);
  mv.setBigUint64(32, port.address(control), true);
  mv.setBigUint64(40, BigInt(control.length), true);
  return { msg, iov };
}

export function libcSys(port: LibcPort): Sys {
  const check = (what: string, rc: number) => {
    if (rc < 0) throw sysError(what, port.errno());
    return rc;
  };
  /** Calls that fill a buffer of unknown size: ask for the size, then fetch (retry on ERANGE). */
  const sized = (what: string, fetch: (buf: Uint8Array | null, size: number) => number): Uint8Array | undefined => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const size = fetch(null, 0);
      if (size < 0) {
        const e = port.errno();
        if (e === ENODATA) return undefined;
        throw sysError(what, e);
      }
      const buf = new Uint8Array(Math.max(size, 1));
      const got = fetch(buf, buf.length);
      if (got >= 0) return buf.subarray(0, got);
      const e = port.errno();
      if (e === ENODATA) return undefined;
      if (e !== ERANGE) throw sysError(what, e);
    }
    throw sysError(what, ERANGE);
  };

  return {
    runtime: port.runtime,
    supports: { subreaper: true, reap: true, setsid: true, fdPassing: true, flock: true },
    mount(source, target, fstype, flags, data) {
      check(`mount ${target}`, port.call("mount", cstr(source), cstr(target), cstr(fstype), BigInt(flags), data === undefined ? null : cstr(data)));
    },
    umount(target, flags = 0) {
      check(`umount ${target}`, port.call("umount2", cstr(target), flags));
    },
    mknod(path, type, perm, major = 0, minor = 0) {
      check(`mknod ${path}`, port.call("mknod", cstr(path), NODE_TYPES[type] | (perm & 0o7777), makedev(major, minor)));
    },
    lsetxattr(path, name, value) {
      check(`lsetxattr ${path} ${name}`, port.call("lsetxattr", cstr(path), cstr(name), value, BigInt(value.length), 0));
    },
    lgetxattr(path, name) {
      const p = cstr(path), n = cstr(name);
      return sized(`lgetxattr ${path} ${name}`, (buf, size) => port.call("lgetxattr", p, n, buf, BigInt(size)));
    },
    llistxattr(path) {
      const p = cstr(path);
      const list = sized(`llistxattr ${path}`, (buf, size) => port.call("llistxattr", p, buf, BigInt(size)));
      return list ? new TextDecoder().decode(list).split("\0").filter(Boolean) : [];
    },
    setChildSubreaper(on) {
      check("prctl PR_SET_CHILD_SUBREAPER", port.call("prctl", PR_SET_CHILD_SUBREAPER, on ? 1n : 0n, 0n, 0n, 0n));
    },
    isChildSubreaper() {
      scratchView.setInt32(0, 0, true);
      check("prctl PR_GET_CHILD_SUBREAPER", port.call("prctl", PR_GET_CHILD_SUBREAPER, port.address(scratch), 0n, 0n, 0n));
      return scratchView.getInt32(0, true) !== 0;
    },
    setsid() {
      return check("setsid", port.call("setsid"));
    },
    waitExited(pid) {
      for (;;) {
        const rc = port.call("waitpid", pid, scratch, WNOHANG);
        if (rc === 0) return undefined;
        if (rc < 0 && port.errno() === EINTR) continue;
        check(`waitpid ${pid}`, rc);
        return waitStatusCode(scratchView.getInt32(0, true));
      }
    },
    exitedChildPid() {
      const info = scratch;
      for (;;) {
        // si_pid stays 0 when no child has exited (WNOHANG): cleared, not the last call's
        scratch.fill(0);
        const rc = port.call("waitid", P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT);
        if (rc < 0 && port.errno() === EINTR) continue;
        if (rc < 0 && port.errno() === ECHILD) return undefined;
        check("waitid P_ALL", rc);
        const pid = scratchView.getInt32(SI_PID, true);
        return pid > 0 ? pid : undefined;
      }
    },
    socketpair() {
      const sv = new Uint8Array(8);
      check("socketpair", port.call("socketpair", AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
      const v = new DataView(sv.buffer);
      return [v.getInt32(0, true), v.getInt32(4, true)];
    },
    pipe() {
      check("pipe2", port.call("pipe2", scratch, O_CLOEXEC));
      const r = scratchView.getInt32(0, true), w = scratchView.getInt32(4, true);
      // only the read end: a writer given a non-blocking pipe fails its writes with EAGAIN
      const flags = port.call("fcntl", r, F_GETFL, 0);
      if (flags < 0 || port.call("fcntl", r, F_SETFL, flags | O_NONBLOCK) < 0) {
        const e = port.errno();
        port.call("close", r);
        port.call("close", w);
        throw sysError("fcntl O_NONBLOCK", e);
      }
      return [r, w];
    },
    sendFd(sock, fd, payload = "\0") {
      const data = new TextEncoder().encode(payload || "\0");
      const control = new Uint8Array(24);
      const cv = new DataView(control.buffer);
      cv.setBigUint64(0, 20n, true); // CMSG_LEN(sizeof(int))
      cv.setInt32(8, SOL_SOCKET, true);
      cv.setInt32(12, SCM_RIGHTS, true);
      cv.setInt32(16, fd, true);
      const { msg } = msghdr(port, data, control);
      check(`sendmsg fd ${fd}`, port.call("sendmsg", sock, msg, 0));
    },
    recvFd(sock) {
      const data = new Uint8Array(4096);
      const control = new Uint8Array(24);
      const { msg } = msghdr(port, data, control);
      const n = check(`recvmsg fd ${sock}`, port.call("recvmsg", sock, msg, MSG_CMSG_CLOEXEC));
      const cv = new DataView(control.buffer);
      const controllen = Number(new DataView(msg.buffer).getBigUint64(40, true));
      if (controllen < 20 || cv.getInt32(8, true) !== SOL_SOCKET || cv.getInt32(12, true) !== SCM_RIGHTS) {
        throw new SkiffError("FAILED_PRECONDITION", `recvmsg fd ${sock}: no file descriptor received`);
      }
      const payload = new TextDecoder().decode(data.subarray(0, n)).replace(/\0+$/, "");
      return { fd: cv.getInt32(16, true), payload };
    },
    close(fd) {
      check(`close ${fd}`, port.call("close", fd));
    },
    dropCodePages() {
      let bytes = 0;
      programRanges ??= cleanProgramRanges(readFileSync("/proc/self/smaps", "utf8"), process.execPath);
      for (const [start, end] of programRanges) {
        if (port.call("madvise", start, end - start, MADV_DONTNEED) === 0) bytes += Number(end - start);
      }
      return bytes;
    },
    syncfs(path) {
      const fd = openSync(path, "r");
      try {
        check(`syncfs ${path}`, port.call("syncfs", fd));
      } finally {
        closeSync(fd);
      }
    },
    flock(fd, op, wait) {
      for (;;) {
        if (port.call("flock", fd, LOCK[op] | (wait ? 0 : LOCK_NB)) === 0) return true;
        const e = port.errno();
        if (e === EWOULDBLOCK && !wait) return false;
        if (e !== EINTR) throw sysError(`flock fd ${fd}`, e);
      }
    },
  };
}
