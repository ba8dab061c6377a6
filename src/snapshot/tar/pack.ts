/**
 * A directory tree as tar entries (export, cp): owners, modes, times, symlinks, hardlinks (by
 * inode), devices and FIFOs; sockets are skipped, as tar does. Never follows a symlink: the tree
 * may be a container's, full of links that point anywhere.
 */
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import { devMajor, devMinor } from "../../sys/types.js";
import { END_OF_ARCHIVE, entryHeader, entryPadding, type OutEntry } from "./writer.js";

export type Sink = (chunk: Uint8Array) => void | Promise<void>;

const major = devMajor, minor = devMinor;

function entryOf(st: Stats, name: string, links: Map<string, string>): OutEntry | undefined {
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

async function copyFile(path: string, size: number, sink: Sink): Promise<void> {
  const fd = openSync(path, "r");
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
 * Writes `path` (a file or a directory, itself named `name` in the archive; "" for the contents
 * only) and everything under it, then the end-of-archive blocks.
 */
export async function packTree(path: string, name: string, sink: Sink): Promise<void> {
  const links = new Map<string, string>();
  const walk = async (p: string, n: string): Promise<void> => {
    const st = lstatSync(p);
    if (n !== "") {
      if (st.isSymbolicLink()) {
        await sink(entryHeader({ name: n, type: "symlink", linkname: readlinkSync(p), mode: 0o777, mtime: Math.floor(st.mtimeMs / 1000), uid: st.uid, gid: st.gid }));
        return;
      }
      const e = entryOf(st, n, links);
      if (!e) return;
      await sink(entryHeader(e));
      if (e.type === "file") await copyFile(p, e.size ?? 0, sink);
    }
    if (st.isDirectory()) {
      for (const child of readdirSync(p).sort()) await walk(join(p, child), n === "" ? child : `${n}/${child}`);
    }
  };
  await walk(path, name);
  await sink(END_OF_ARCHIVE);
}
