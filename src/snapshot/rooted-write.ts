/**
 * Tar entries written into a root another process may be changing (`cp` into a container, `cp -`).
 * Every entry's parent directory is held as an fd resolved inside the root (rooted.ts) and the
 * entry is made as a single component of it, never following it: a directory swapped for a
 * symlink half way can only redirect the copy to somewhere else inside the root.
 */
import { chmodSync, chownSync, closeSync, fchmodSync, fchownSync, fstatSync, futimesSync, lchownSync, linkSync, lutimesSync, mkdirSync, openSync, readdirSync, rmdirSync, symlinkSync, unlinkSync, utimesSync, constants } from "node:fs";
import { SkiffError, errnoCode } from "../errors.js";
import type { Sys } from "../sys/types.js";
import { cleanComponents } from "./resolve.js";
import { at, closeQuietly, openChild, resolveIn } from "./rooted.js";
import type { TarEntry } from "./tar/reader.js";
import { writeAllSync } from "../util/write.js";

export interface RootedWriteOptions {
  /** Owner of everything written; undefined keeps the archive's owners. */
  owner?: { uid: number; gid: number };
  /** Replace a directory by a non-directory and back (`cp --overwrite`). */
  overwrite: boolean;
  sys: Sys;
}

/** Removes `name` of directory `dirFd` and everything under it, each step anchored on an fd. */
export function removeAt(dirFd: number, name: string): void {
  const fd = openChild(dirFd, name);
  if (fd === undefined) return;
  try {
    if (fstatSync(fd).isDirectory()) {
      for (const child of readdirSync(at(fd))) removeAt(fd, child);
      rmdirSync(at(dirFd, name));
    } else unlinkSync(at(dirFd, name));
  } finally {
    closeSync(fd);
  }
}

/** Writes `entries` (paths relative to `under`, a directory path inside the root) into the root `rootFd`. */
export async function writeEntriesIn(rootFd: number, under: string, entries: AsyncIterable<TarEntry>, opts: RootedWriteOptions): Promise<void> {
  const dirs = new Map<string, number>();
  const dirTimes: [string, number, number][] = [];
  const base = under.split("/").filter((c) => c && c !== ".").join("/");
  const full = (rel: string[]) => [base, ...rel].filter(Boolean).join("/");

  /** The directory `path` (inside the root) as an O_PATH fd, made with its parents when missing. */
  const dirFd = (path: string): number => {
    const hit = dirs.get(path);
    if (hit !== undefined) return hit;
    const r = resolveIn(rootFd, path, { followLast: true });
    let fd = r.fd;
    if (r.missing !== undefined) {
      mkdirSync(at(r.fd, r.missing), 0o755);
      fd = openChild(r.fd, r.missing) ?? fd;
      closeSync(r.fd);
    }
    if (!fstatSync(fd).isDirectory()) {
      closeSync(fd);
      throw new SkiffError("INVALID_ARGUMENT", `/${path} is not a directory in the container`);
    }
    dirs.set(path, fd);
    return fd;
  };
  const ensureDirs = (comps: string[]): number => {
    let fd = dirFd("");
    for (let i = 1; i <= comps.length; i++) fd = dirFd(comps.slice(0, i).join("/"));
    return fd;
  };

  const own = (uid: number, gid: number) => opts.owner ?? { uid, gid };
  try {
    for await (const entry of entries) {
      // bounded, and only between entries: an entry keeps the fds it resolved until it is done
      if (dirs.size > 256) { for (const fd of dirs.values()) closeQuietly(fd); dirs.clear(); }
      const h = entry.header;
      const rel = cleanComponents(h.name);
      const comps = full(rel).split("/").filter(Boolean);
      if (comps.length === 0) continue; // the destination itself: it exists
      const name = comps[comps.length - 1];
      const parent = ensureDirs(comps.slice(0, -1));
      const shown = `/${comps.join("/")}`;
      const existing = openChild(parent, name);
      let keepDir = false;
      if (existing !== undefined) {
        const isDir = fstatSync(existing).isDirectory();
        closeSync(existing);
        if (isDir && h.type === "dir") keepDir = true;
        else {
          if (isDir !== (h.type === "dir") && !opts.overwrite) {
            throw new SkiffError("FAILED_PRECONDITION", isDir ? `cannot overwrite directory ${shown} with non-directory` : `cannot overwrite non-directory ${shown} with directory`, { hint: "use --overwrite" });
          }
          removeAt(parent, name);
          const key = comps.join("/");
          for (const [k, fd] of dirs) if (k === key || k.startsWith(`${key}/`)) { closeQuietly(fd); dirs.delete(k); }
        }
      }
      const { uid, gid } = own(h.uid, h.gid);
      const path = at(parent, name);
      switch (h.type) {
        case "dir": {
          if (!keepDir) mkdirSync(path, 0o700);
          const fd = dirFd(comps.join("/"));
          chownSync(at(fd), uid, gid);
          chmodSync(at(fd), h.mode);
          dirTimes.push([comps.join("/"), Math.max(h.atime ?? h.mtime, h.mtime), h.mtime]);
          break;
        }
        case "file": {
          const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
          try {
            for await (const chunk of entry.body()) writeAllSync(fd, chunk); // a new file: written in order
            fchownSync(fd, uid, gid);
            fchmodSync(fd, h.mode); // after chown, which clears setuid
            futimesSync(fd, Math.max(h.atime ?? h.mtime, h.mtime), h.mtime);
          } finally {
            closeSync(fd);
          }
          break;
        }
        case "symlink":
          symlinkSync(h.linkname, path);
          lchownSync(path, uid, gid);
          lutimesSync(path, h.mtime, h.mtime);
          break;
        case "hardlink": {
          const target = full(cleanComponents(h.linkname)).split("/").filter(Boolean);
          if (target.length === 0) throw new SkiffError("INVALID_ARGUMENT", `hardlink ${h.name} points at the root`);
          // link(2) never follows its source: a swapped source can only link something inside the root
          linkSync(at(ensureDirs(target.slice(0, -1)), target[target.length - 1]), path);
          break;
        }
        case "char":
        case "block":
        case "fifo": {
          opts.sys.mknod(path, h.type, h.mode, h.devmajor, h.devminor);
          lchownSync(path, uid, gid);
          const fd = openChild(parent, name);
          if (fd !== undefined) {
            try {
              chmodSync(at(fd), h.mode); // through the fd: the node itself, not what its name is by now
            } finally {
              closeSync(fd);
            }
          }
          break;
        }
      }
    }
    for (const [path, atime, mtime] of dirTimes.reverse()) {
      try {
        const r = resolveIn(rootFd, path, { followLast: false });
        try {
          if (r.missing === undefined && r.stat.isDirectory()) utimesSync(at(r.fd), atime, mtime);
        } finally {
          closeSync(r.fd);
        }
      } catch (err) {
        if (!(err instanceof SkiffError) && errnoCode(err) !== "ENOENT") throw err;
      }
    }
  } finally {
    for (const fd of dirs.values()) closeQuietly(fd);
  }
}
