/**
 * Paths inside a root that another process may change while we use them (a container's rootfs,
 * its volumes). Nothing is checked first and opened later: every component is opened by the
 * kernel relative to the fd of the one before it, with O_NOFOLLOW, through /proc/self/fd (a
 * lookup below /proc/self/fd/N starts at the object N is, wherever it has moved). A symlink is
 * read and its target resolved again from the root's fd, and ".." pops an fd we already hold, so
 * a swap can only ever send us somewhere else inside the root. This is openat2's RESOLVE_IN_ROOT
 * done one component at a time, with the calls every runtime has (Node has no FFI).
 */
import { closeSync, fstatSync, openSync, readlinkSync, constants, type Stats } from "node:fs";
import { SkiffError, errnoCode } from "../errors.js";
import { readUpToSync, writeAllSync } from "../util/write.js";

/** Linux's O_PATH: an fd that names an object without opening it (no side effects on devices). */
export const O_PATH = 0o10000000;
const MAX_LINKS = 40; // the kernel's own limit

/** The path the kernel resolves to `fd` itself, or to `name` inside the directory `fd`. */
export function at(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/** An O_PATH fd of a directory we trust (the root handed to us, not a path from inside it). */
export function openRoot(path: string): number {
  return openSync(path, O_PATH | constants.O_DIRECTORY);
}

/** Closes an fd, ignoring EBADF (used in finally blocks). */
export function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    closeSync(fd);
  } catch { /* already closed */ }
}

/** Opens the single component `name` of directory `dirFd` as O_PATH without following it; undefined when missing. */
export function openChild(dirFd: number, name: string): number | undefined {
  if (name.includes("/") || name === "." || name === ".." || name === "") throw new Error(`not a single path component: ${name}`);
  try {
    return openSync(at(dirFd, name), O_PATH | constants.O_NOFOLLOW);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    if (errnoCode(err) === "ENOTDIR") throw new SkiffError("INVALID_ARGUMENT", `${name}: a path component is not a directory`);
    throw err;
  }
}

export interface Resolved {
  /** O_PATH fd of the object (the caller closes it); the parent's when `missing` is set. */
  fd: number;
  stat: Stats;
  /** The last component when it does not exist (its parent exists and is a directory). */
  missing?: string;
}

const real = (c: string) => c !== "" && c !== ".";

/**
 * Resolves `path` inside the root `rootFd` as if the root were "/". A final symlink is followed
 * only with `followLast`. A missing last component gives its parent and `missing`; a missing
 * directory on the way is NOT_FOUND.
 */
export function resolveIn(rootFd: number, path: string, opts: { followLast: boolean; shown?: string }): Resolved {
  const shown = opts.shown ?? path;
  const queue = path.split("/");
  const stack: number[] = [];
  const top = () => stack[stack.length - 1] ?? rootFd;
  let links = 0;
  try {
    while (queue.length > 0) {
      const c = queue.shift()!;
      if (!real(c)) continue;
      if (c === "..") {
        closeQuietly(stack.pop());
        continue;
      }
      const last = !queue.some(real);
      const fd = openChild(top(), c);
      if (fd === undefined) {
        if (last) return { fd: reopen(top()), stat: fstatSync(top()), missing: c };
        throw new SkiffError("NOT_FOUND", `${shown}: no such file or directory`);
      }
      const st = fstatSync(fd);
      if (st.isSymbolicLink() && (!last || opts.followLast)) {
        let target: string;
        try {
          target = readlinkSync(at(top(), c));
        } catch (err) {
          // replaced since we opened it: as if it were not there
          if (errnoCode(err) === "ENOENT" || errnoCode(err) === "EINVAL") throw new SkiffError("NOT_FOUND", `${shown}: no such file or directory`);
          throw err;
        } finally {
          closeSync(fd);
        }
        if (++links > MAX_LINKS) throw new SkiffError("INVALID_ARGUMENT", `${shown}: too many levels of symbolic links`);
        if (target.startsWith("/")) while (stack.length) closeQuietly(stack.pop());
        queue.unshift(...target.split("/"));
        continue;
      }
      if (!last && !st.isDirectory() && !st.isSymbolicLink()) {
        closeSync(fd);
        throw new SkiffError("INVALID_ARGUMENT", `${shown}: a path component is not a directory`);
      }
      stack.push(fd);
    }
    const fd = stack.pop() ?? reopen(rootFd);
    return { fd, stat: fstatSync(fd) };
  } finally {
    while (stack.length) closeQuietly(stack.pop());
  }
}

/** A second O_PATH fd of the same object. */
export function reopen(fd: number): number {
  return openSync(at(fd), O_PATH);
}

/** Opens the object of an O_PATH fd (a regular file or directory, never a device) for reading. */
export function openForRead(pathFd: number): number {
  return openSync(at(pathFd), constants.O_RDONLY | constants.O_NONBLOCK);
}

/**
 * The text of the regular file `path` inside the root (symlinks resolved inside it), at most
 * `maxBytes`; "" when it is missing or not a regular file (an image without /etc/passwd).
 */
export function readFileIn(rootPath: string, path: string, maxBytes: number): string {
  const root = openRoot(rootPath);
  let r: Resolved | undefined;
  try {
    r = resolveIn(root, path, { followLast: true });
    if (r.missing !== undefined || !r.stat.isFile()) return "";
    if (r.stat.size > maxBytes) throw new SkiffError("INVALID_ARGUMENT", `${path} in the container is larger than ${maxBytes} bytes`);
    const fd = openForRead(r.fd);
    try {
      return readUpToSync(fd, r.stat.size).toString("utf8");
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (err instanceof SkiffError && err.code === "NOT_FOUND") return "";
    throw err;
  } finally {
    closeQuietly(r?.fd);
    closeSync(root);
  }
}

/**
 * Appends `text` to the regular file `path` inside the root (symlinks resolved inside it), or
 * creates it 0644 when it is missing and its directory exists. Used on a container's rootfs
 * before it starts (its /etc/passwd): the write lands in the container's own layer.
 */
export function appendFileIn(rootPath: string, path: string, text: string): void {
  const root = openRoot(rootPath);
  let r: Resolved | undefined;
  try {
    r = resolveIn(root, path, { followLast: true });
    let fd: number;
    if (r.missing !== undefined) {
      if (!r.stat.isDirectory()) return;
      fd = openSync(at(r.fd, r.missing), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    } else {
      if (!r.stat.isFile()) return;
      fd = openSync(at(r.fd), constants.O_WRONLY | constants.O_APPEND);
    }
    try {
      writeAllSync(fd, Buffer.from(text));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (err instanceof SkiffError && err.code === "NOT_FOUND") return; // no /etc: nothing to add to
    throw err;
  } finally {
    closeQuietly(r?.fd);
    closeSync(root);
  }
}
