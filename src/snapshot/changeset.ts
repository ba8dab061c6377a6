/**
 * A container's writable layer (an overlayfs upper dir) as an OCI layer tar, and then as a
 * snapshot. The upper dir is the changeset when the kernel wrote it natively (these machines run
 * overlay with redirect_dir, metacopy and index off): a 0/0 character device is a deletion
 * (`.wh.NAME`), a directory marked opaque hides what lower layers had there (`.wh..wh..opq`, only
 * when a lower layer has that directory), everything else is added or changed in full. Files the
 * runtime made only to mount something on (/proc, /etc/hosts, volumes…) are not changes.
 * Every object is opened from its parent's fd without following it: a running container may
 * be changing the directory while we read it (commit without --pause).
 */
import { closeSync, fstatSync, lstatSync, readdirSync, readlinkSync, rmSync, rmdirSync, renameSync, openSync } from "node:fs";
import { join } from "node:path";
import type { Sys } from "../sys/types.js";
import { createHash } from "../util/crypto.js";
import { writeAllSync } from "../util/write.js";
import { at, closeQuietly, openChild, openRoot } from "./rooted.js";
import { childrenOf, copyFile, entryOf, type Sink } from "./tar/pack.js";
import { END_OF_ARCHIVE, entryHeader, type OutEntry } from "./tar/writer.js";

export interface ChangesetOptions {
  /** Lower layers' fs dirs, topmost first (snapshots are in upper-dir form, with whiteouts). */
  lowers: string[];
  /** Paths ("/etc/hosts") the runtime may have made as empty mount targets. */
  mountpoints: string[];
  /** Every entry's mtime becomes this (--timestamp), or at most this (clamp: SOURCE_DATE_EPOCH). */
  timestamp?: { seconds: number; clamp: boolean };
  sys: Sys;
}

const isWhiteout = (st: { isCharacterDevice(): boolean; rdev: number }) => st.isCharacterDevice() && st.rdev === 0;
const OPAQUE = "trusted.overlay.opaque";

/** Whether `rel` ("a/b") exists in the lower layers, topmost first (a whiteout above hides it). */
export function lowerLookup(lowers: string[]): (rel: string) => "dir" | "other" | undefined {
  return (rel) => {
    const parts = rel.split("/");
    for (const l of lowers) {
      try {
        const st = lstatSync(join(l, rel));
        if (isWhiteout(st)) return undefined;
        return st.isDirectory() ? "dir" : "other";
      } catch { /* not in this layer */ }
      // a deleted or replaced ancestor in this layer hides the layers below
      for (let i = 1; i < parts.length; i++) {
        let st;
        try {
          st = lstatSync(join(l, ...parts.slice(0, i)));
        } catch {
          break;
        }
        if (isWhiteout(st) || !st.isDirectory()) return undefined;
      }
    }
    return undefined;
  };
}

/**
 * The mount targets in `upper` that are not changes: empty files and directories the runtime made
 * where the image had nothing.
 */
export function mountStubs(upper: string, mountpoints: string[], inLower: (rel: string) => unknown): Set<string> {
  const stubs = new Set<string>();
  const empty = (rel: string): boolean => {
    try {
      const st = lstatSync(join(upper, rel));
      if (st.isDirectory()) return readdirSync(join(upper, rel)).every((c) => stubs.has(`${rel}/${c}`));
      return st.isFile() && st.size === 0;
    } catch {
      return false;
    }
  };
  const sorted = [...new Set(mountpoints.map((m) => m.replace(/^\/+|\/+$/g, "")).filter(Boolean))].sort((a, b) => b.split("/").length - a.split("/").length);
  for (const rel of sorted) {
    // /dev's own contents are the runtime's too
    if (rel === "dev") for (const c of safeList(join(upper, rel))) if (!inLower(`dev/${c}`) && empty(`dev/${c}`)) stubs.add(`dev/${c}`);
    if (!inLower(rel) && empty(rel)) stubs.add(rel);
  }
  // directories made to hold them (/run for /run/.containerenv) stay, as podman's builds keep them
  return stubs;
}

/**
 * Directories of the image that are in `upper` only because a stub was made in them (the kernel
 * copies a directory up to create a file in it): the same type, mode and owner as below, nothing
 * in them but stubs and such directories. They are not changes (a RUN that changed nothing makes
 * no layer).
 */
export function unchangedDirs(upper: string, lowers: string[], stubs: Set<string>, inLower: (rel: string) => unknown): Set<string> {
  const out = new Set<string>();
  const same = (rel: string): boolean => {
    if (inLower(rel) !== "dir") return false;
    let st, below;
    try {
      st = lstatSync(join(upper, rel));
      below = lowers.map((l) => { try { return lstatSync(join(l, rel)); } catch { return undefined; } }).find(Boolean);
    } catch {
      return false;
    }
    if (!below || !st.isDirectory() || (st.mode & 0o7777) !== (below.mode & 0o7777) || st.uid !== below.uid || st.gid !== below.gid) return false;
    return safeList(join(upper, rel)).every((c) => stubs.has(`${rel}/${c}`) || out.has(`${rel}/${c}`));
  };
  for (const stub of [...stubs].sort((a, b) => b.split("/").length - a.split("/").length)) {
    const parts = stub.split("/");
    for (let i = parts.length - 1; i > 0; i--) {
      const dir = parts.slice(0, i).join("/");
      if (out.has(dir)) continue;
      if (!same(dir)) break;
      out.add(dir);
    }
  }
  return out;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Writes the layer tar of `upper` to `sink`; returns the mount stubs it left out. */
export async function packChangeset(upper: string, sink: Sink, opts: ChangesetOptions): Promise<Set<string>> {
  const inLower = lowerLookup(opts.lowers);
  const stubs = mountStubs(upper, opts.mountpoints, inLower);
  const unchanged = unchangedDirs(upper, opts.lowers, stubs, inLower);
  const links = new Map<string, string>();
  const ts = opts.timestamp;
  const when = (mtime: number | undefined) => (ts === undefined ? (mtime ?? 0) : ts.clamp ? Math.min(mtime ?? 0, ts.seconds) : ts.seconds);
  const put = (e: OutEntry) => sink(entryHeader({ ...e, mtime: when(e.mtime) }));

  const walkDir = async (fd: number, rel: string): Promise<void> => {
    for (const child of childrenOf(fd)) await walk(fd, child, rel === "" ? child : `${rel}/${child}`);
  };
  const walk = async (parentFd: number, child: string, rel: string): Promise<void> => {
    if (stubs.has(rel) || unchanged.has(rel)) return;
    const fd = openChild(parentFd, child);
    if (fd === undefined) return;
    try {
      const st = fstatSync(fd);
      const base = { mtime: Math.floor(st.mtimeMs / 1000), uid: st.uid, gid: st.gid };
      if (isWhiteout(st)) {
        const slash = rel.lastIndexOf("/");
        await put({ ...base, name: `${rel.slice(0, slash + 1)}.wh.${child}`, type: "file", size: 0, mode: 0 });
        return;
      }
      if (st.isSymbolicLink()) {
        let linkname: string;
        try {
          linkname = readlinkSync(at(parentFd, child));
        } catch {
          return;
        }
        await put({ ...base, name: rel, type: "symlink", linkname, mode: 0o777 });
        return;
      }
      const e = entryOf(st, rel, links);
      if (!e) return;
      await put(e);
      if (e.type === "file") await copyFile(fd, e.size ?? 0, sink);
      if (st.isDirectory()) {
        const opaque = opts.sys.lgetxattr(at(parentFd, child), OPAQUE);
        if (opaque && new TextDecoder().decode(opaque) === "y" && inLower(rel) === "dir") {
          await put({ ...base, name: `${rel}/.wh..wh..opq`, type: "file", size: 0, mode: 0 });
        }
        await walkDir(fd, rel);
      }
    } finally {
      closeQuietly(fd);
    }
  };
  const root = openRoot(upper);
  try {
    await walkDir(root, "");
  } finally {
    closeSync(root);
  }
  await sink(END_OF_ARCHIVE);
  return stubs;
}

/** What `pack` writes to its sink goes into a new file `path`, hashed as it goes (a layer: its diffID). */
export async function writeHashed<T>(path: string, pack: (sink: Sink) => Promise<T>): Promise<{ digest: string; size: number; result: T }> {
  const fd = openSync(path, "wx", 0o600);
  const hash = createHash("sha256");
  let size = 0;
  try {
    const result = await pack((chunk) => {
      hash.update(chunk);
      size += chunk.length;
      writeAllSync(fd, chunk);
    });
    return { digest: `sha256:${hash.digest("hex")}`, size, result };
  } catch (err) {
    rmSync(path, { force: true });
    throw err;
  } finally {
    closeSync(fd);
  }
}

/** packChangeset into a new file `path`; returns the tar's digest (the layer's diffID) and size. */
export async function writeChangeset(upper: string, path: string, opts: ChangesetOptions): Promise<{ digest: string; size: number; stubs: Set<string> }> {
  const { digest, size, result } = await writeHashed(path, (sink) => packChangeset(upper, sink, opts));
  return { digest, size, stubs: result };
}

/** Turns a packed upper dir into a snapshot's fs dir: the stubs left out of the layer go first. */
export function moveUpperInto(upper: string, stubs: Set<string>, fsDir: string): void {
  for (const rel of [...stubs].sort((a, b) => b.length - a.length)) rmSync(join(upper, rel), { recursive: true, force: true });
  rmdirSync(fsDir);
  renameSync(upper, fsDir);
}

/** Bytes of file data under `dir` (a snapshot's size), not following links. */
export function treeSize(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const n of safeList(d)) {
      const st = lstatSync(join(d, n));
      if (st.isDirectory()) walk(join(d, n));
      else if (st.isFile()) total += st.size;
    }
  };
  walk(dir);
  return total;
}
