/**
 * A directory tree as tar entries (export, cp): owners, modes, times, symlinks, hardlinks (by
 * inode), devices and FIFOs; sockets are skipped, as tar does. Never follows a symlink: the tree
 * may be a container's, full of links that point anywhere.
 */
import { closeSync, fstatSync, readSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { basename, dirname } from "node:path";
import { errnoCode } from "../../errors.js";
import { at, openChild, openForRead, openRoot } from "../rooted.js";
import { devMajor, devMinor } from "../../sys/types.js";
import { END_OF_ARCHIVE, entryHeader, entryPadding, type OutEntry } from "./writer.js";

export type Sink = (chunk: Uint8Array) => void | Promise<void>;

const major = devMajor, minor = devMinor;

export function entryOf(st: Stats, name: string, links: Map<string, string>): OutEntry | undefined {
  const base = { name, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000), uid: st.uid, gid: st.gid };
  if (st.isDirectory()) return { ...base, name: `${name}/`, type: "dir" };
  if (st.isSymbolicLink()) return undefined; // handled by the caller (needs the path)
  if (st.isFile() && st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`;
    const first = links.get(key);
    if (first) return { ...base, type: "hardlink", linkname: first };
    links.set(key, name);
  }
  if (st.isFile()) return { ...base, type: "file", size: st.size };
  if (st.isCharacterDevice()) return { ...base, type: "char", devmajor: major(st.rdev), devminor: minor(st.rdev) };
  if (st.isBlockDevice()) return { ...base, type: "block", devmajor: major(st.rdev), devminor: minor(st.rdev) };
  if (st.isFIFO()) return { ...base, type: "fifo" };
  return undefined; // sockets
}

/** A file's `size` bytes and the entry's padding, read through `pathFd` (the entry's O_PATH fd). */
export async function copyFile(pathFd: number, size: number, sink: Sink): Promise<void> {
  const fd = openForRead(pathFd);
  try {
    const buf = Buffer.alloc(Math.min(size, 1 << 20) || 1);
    let left = size;
    while (left > 0) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, left), null);
      if (n === 0) break; // shrank meanwhile: pad with zeros below
      await sink(buf.subarray(0, n));
      left -= n;
    }
    if (left > 0) await sink(new Uint8Array(left));
  } finally {
    closeSync(fd);
  }
  await sink(entryPadding(size));
}

/**
 * Writes the child `base` of directory `dirFd` (or, without `base`, the directory's contents), named
 * `name` in the archive, and everything under it, then the end-of-archive blocks (`bareDirs`:
 * directory names without the trailing "/"). Every object is
 * opened relative to its parent's fd without following it (snapshot/rooted.ts), so a container
 * that swaps a directory for a symlink while we walk cannot make us read outside its root.
 */
/** The names in directory `fd`, sorted; none when it was removed (or replaced) while we walk. */
export function childrenOf(fd: number): string[] {
  try {
    return readdirSync(at(fd)).sort();
  } catch (err) {
    // removed while we walk a running container: what it held is gone too
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return [];
    throw err;
  }
}

export async function packAt(dirFd: number, base: string | undefined, name: string, sink: Sink, opts: { bareDirs?: boolean } = {}): Promise<void> {
  const links = new Map<string, string>();
  const walkDir = async (fd: number, n: string): Promise<void> => {
    for (const child of childrenOf(fd)) await walk(fd, child, n === "" ? child : `${n}/${child}`);
  };
  const walk = async (parentFd: number, child: string, n: string): Promise<void> => {
    const fd = openChild(parentFd, child);
    if (fd === undefined) return; // removed meanwhile
    try {
      const st = fstatSync(fd);
      if (st.isSymbolicLink()) {
        let linkname: string;
        try {
          linkname = readlinkSync(at(parentFd, child));
        } catch {
          return; // replaced meanwhile
        }
        await sink(entryHeader({ name: n, type: "symlink", linkname, mode: 0o777, mtime: Math.floor(st.mtimeMs / 1000), uid: st.uid, gid: st.gid }));
        return;
      }
      const e = entryOf(st, n, links);
      if (!e) return;
      if (e.type === "dir" && opts.bareDirs) e.name = n; // podman's cp names directories without "/"
      await sink(entryHeader(e));
      if (e.type === "file") await copyFile(fd, e.size ?? 0, sink);
      if (st.isDirectory()) await walkDir(fd, n);
    } finally {
      closeSync(fd);
    }
  };
  if (base === undefined) await walkDir(dirFd, name);
  else await walk(dirFd, base, name);
  await sink(END_OF_ARCHIVE);
}

/** packAt for a host path: `path` itself (never followed) named `name`, or its contents when `name` is "". */
export async function packTree(path: string, name: string, sink: Sink): Promise<void> {
  const dir = openRoot(name === "" ? path : dirname(path));
  try {
    await packAt(dir, name === "" ? undefined : basename(path), name, sink);
  } finally {
    closeSync(dir);
  }
}
