/**
 * What skiff needs from the OS that JavaScript cannot do by itself. One implementation per
 * runtime: libc through FFI on Bun and Deno, standard binaries on Node. Every call throws a
 * SkiffError naming the call, the path and the errno (e.g. "mount /x: EPERM ...").
 */
import type { JsRuntime } from "../runtime-info.js";

export interface Sys {
  readonly runtime: JsRuntime;
  /** What this implementation can do; callers pick another path where a feature is missing. */
  readonly supports: {
    subreaper: boolean;
    /** waitExited reaps: false where it only reads the status and the zombie stays (Node). */
    reap: boolean;
    setsid: boolean;
    fdPassing: boolean;
    flock: boolean;
  };
  mount(source: string, target: string, fstype: string, flags: number, data?: string): void;
  umount(target: string, flags?: number): void;
  /** mknod(2); `type` selects S_IFCHR, S_IFBLK or S_IFIFO, `perm` the permission bits. */
  mknod(path: string, type: "char" | "block" | "fifo", perm: number, major?: number, minor?: number): void;
  /** Sets an extended attribute without following a final symlink. */
  lsetxattr(path: string, name: string, value: Uint8Array): void;
  /** The attribute's value, or undefined when the file has no such attribute. */
  lgetxattr(path: string, name: string): Uint8Array | undefined;
  llistxattr(path: string): string[];
  /** prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants are reparented to this process. */
  setChildSubreaper(on: boolean): void;
  /** waitpid(pid, WNOHANG): the status (128+N after signal N) once child `pid` exited, undefined while it runs (see supports.reap). */
  waitExited(pid: number): number | undefined;
  /**
   * A child that has exited and is not reaped yet, left as it is (waitid WNOWAIT): one call where
   * a walk of /proc's children lists takes a dozen. undefined when there is none, or where
   * supports.reap is false.
   */
  exitedChildPid(): number | undefined;
  isChildSubreaper(): boolean;
  /** setsid(2): a new session without a controlling terminal; returns the session id. */
  setsid(): number;
  /** A connected AF_UNIX stream socket pair (close-on-exec). */
  socketpair(): [number, number];
  /** A pipe: [read end, write end], both close-on-exec, the read end non-blocking (reads throw EAGAIN when empty). */
  pipe(): [number, number];
  /** Sends `fd` over the Unix socket `sock` (SCM_RIGHTS) with a small payload. */
  sendFd(sock: number, fd: number, payload?: string): void;
  /** Receives one fd sent with SCM_RIGHTS, and the payload that came with it (runc sends the pty name). */
  recvFd(sock: number): { fd: number; payload: string };
  close(fd: number): void;
  /**
   * flock(2) on an open fd. With `wait` false, returns false instead of blocking when another
   * process holds the lock. The kernel drops the lock when the holder dies.
   */
  flock(fd: number, op: "exclusive" | "shared" | "unlock", wait: boolean): boolean;
  /**
   * Unmaps the clean pages of this program's text and read-only data from this process
   * (sys/code-pages.ts), for a shim that has started and now waits; the bytes of the ranges given
   * back (0 where it cannot).
   */
  dropCodePages(): number;
  /** syncfs(2): writes out the dirty data of the filesystem holding `path` (one call, not one fsync per file). */
  syncfs(path: string): void;
}

export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  REMOUNT: 0x20,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
} as const;

export const MNT_DETACH = 0x2;

/** A wait(2) status as skiff reports it: the exit code, or 128+N after signal N (WIFEXITED: low 7 bits 0). */
export const waitStatusCode = (status: number): number => ((status & 0x7f) === 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f));

export const S_IFMT = 0o170000;
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

export const NODE_TYPES = { char: S_IFCHR, block: S_IFBLK, fifo: S_IFIFO } as const;

/** glibc's makedev(): the dev_t of a device number pair. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major), mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

/** glibc's major()/minor() of a dev_t (bits above 2^32 need division: JavaScript shifts are 32-bit). */
export function devMajor(dev: number): number {
  return ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & 0xfffff000);
}

export function devMinor(dev: number): number {
  return (dev & 0xff) | ((dev >>> 12) & 0xffffff00);
}
