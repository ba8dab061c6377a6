/**
 * COPY/ADD sources: paths and wildcards (Go filepath.Match, one component per `*`) resolved inside
 * a root (the build context, a stage's or an image's file system) by the kernel from fds, so a
 * source can never reach outside it; the named source is followed if it is a link (inside the
 * root), links under it are copied as links; the context's ignore file applies. Sources become tar
 * entries for rooted-write, and a digest of what they hold (the cache key of the step).
 */
import { closeSync, fstatSync, readdirSync, readlinkSync, readSync, type Stats } from "node:fs";
import { SkiffError } from "../errors.js";
import { at, closeQuietly, openChild, openForRead, resolveIn } from "../snapshot/rooted.js";
import type { TarEntry, TarHeader } from "../snapshot/tar/reader.js";
import { createHash, type Hasher } from "../util/crypto.js";
import { compileGlob } from "./glob.js";
import { cleanPath, isIgnored, mayReinclude, type IgnorePattern } from "./ignore.js";

export interface SourceRoot {
  /** O_PATH fd of the root directory. */
  fd: number;
  /** The build context's ignore patterns (other roots have none). */
  ignore?: IgnorePattern[];
}

export interface Source { rel: string; isDir: boolean }

export interface EntryOptions {
  owner?: { uid: number; gid: number };
  chmod?: number;
}

const GLOB = /[*?[]/;

const ignored = (root: SourceRoot, rel: string) => rel !== "" && root.ignore !== undefined && isIgnored(root.ignore, rel);

function listDir(fd: number): string[] {
  try {
    return readdirSync(at(fd)).sort();
  } catch {
    return [];
  }
}

/** The sources a COPY argument names; a literal that is missing (or ignored) is an error, a wildcard may match nothing. */
export function resolveSources(root: SourceRoot, arg: string): Source[] {
  const rel = cleanPath(arg);
  if (!GLOB.test(rel)) {
    if (ignored(root, rel)) throw new SkiffError("NOT_FOUND", `"${arg}": no such file or directory (excluded by the ignore file)`);
    const r = resolveIn(root.fd, rel, { followLast: true, shown: `"${arg}"` });
    closeSync(r.fd);
    if (r.missing !== undefined) throw new SkiffError("NOT_FOUND", `"${arg}": no such file or directory`);
    return [{ rel, isDir: r.stat.isDirectory() }];
  }
  const segs = rel.split("/");
  const out: Source[] = [];
  const walk = (fd: number, depth: number, prefix: string) => {
    const match = GLOB.test(segs[depth]) ? compileGlob(segs[depth], { globstar: false }) : undefined;
    const names = match ? listDir(fd).filter(match) : [segs[depth]];
    for (const n of names) {
      const path = prefix ? `${prefix}/${n}` : n;
      if (ignored(root, path)) continue;
      let r;
      try {
        r = resolveIn(fd, n, { followLast: true });
      } catch {
        continue;
      }
      try {
        if (r.missing !== undefined) continue;
        if (depth === segs.length - 1) out.push({ rel: path, isDir: r.stat.isDirectory() });
        else if (r.stat.isDirectory()) walk(r.fd, depth + 1, path);
      } finally {
        closeSync(r.fd);
      }
    }
  };
  walk(root.fd, 0, "");
  return out;
}

function header(st: Stats, name: string, o: EntryOptions, extra: Partial<TarHeader>): TarHeader {
  const type = extra.type ?? "file";
  return {
    name, type, mode: type === "symlink" ? 0o777 : o.chmod ?? st.mode & 0o7777,
    uid: o.owner?.uid ?? 0, gid: o.owner?.gid ?? 0, uname: "", gname: "",
    size: 0, mtime: Math.floor(st.mtimeMs / 1000), linkname: "", devmajor: 0, devminor: 0, xattrs: new Map(), ...extra,
  };
}

async function* fileBody(fd: number, size: number): AsyncGenerator<Uint8Array> {
  const rfd = openForRead(fd);
  try {
    const buf = Buffer.alloc(Math.min(size, 1 << 20) || 1);
    let left = size;
    while (left > 0) {
      const n = readSync(rfd, buf, 0, Math.min(buf.length, left), null);
      if (n === 0) throw new SkiffError("FAILED_PRECONDITION", "a source file shrank while it was copied");
      yield buf.subarray(0, n);
      left -= n;
    }
  } finally {
    closeSync(rfd);
  }
}

/**
 * The entries of source `src`, named from `name` on ("" for a directory's contents, merged into
 * the destination). Everything is opened from its parent's fd without following links.
 */
export async function* sourceEntries(root: SourceRoot, src: Source, name: string, o: EntryOptions): AsyncGenerator<TarEntry> {
  const r = resolveIn(root.fd, src.rel, { followLast: true });
  if (r.missing !== undefined) {
    closeSync(r.fd);
    throw new SkiffError("NOT_FOUND", `"${src.rel}": no such file or directory`);
  }
  const rootRel = src.rel;
  async function* one(parentFd: number | undefined, fd: number, entryName: string, rel: string): AsyncGenerator<TarEntry> {
    const st = fstatSync(fd);
    if (st.isSymbolicLink()) {
      const linkname = readlinkSync(at(parentFd!, rel.slice(rel.lastIndexOf("/") + 1)));
      yield { header: header(st, entryName, o, { type: "symlink", linkname }), body: empty };
      return;
    }
    if (st.isDirectory()) {
      const skipSelf = ignored(root, rel);
      if (skipSelf && !mayReinclude(root.ignore!, rel)) return;
      if (entryName !== "" && !skipSelf) yield { header: header(st, entryName, o, { type: "dir" }), body: empty };
      for (const child of listDir(fd)) {
        const childRel = rel ? `${rel}/${child}` : child;
        if (ignored(root, childRel) && !(root.ignore && mayReinclude(root.ignore, childRel))) continue;
        const cfd = openChild(fd, child);
        if (cfd === undefined) continue;
        try {
          yield* one(fd, cfd, entryName ? `${entryName}/${child}` : child, childRel);
        } finally {
          closeQuietly(cfd);
        }
      }
      return;
    }
    if (ignored(root, rel)) return;
    if (st.isFile()) {
      yield { header: header(st, entryName, o, { size: st.size }), body: () => fileBody(fd, st.size) };
      return;
    }
    if (st.isFIFO()) yield { header: header(st, entryName, o, { type: "fifo" }), body: empty };
    // devices and sockets in a build context are not copied
  }
  try {
    yield* one(undefined, r.fd, name, r.stat.isDirectory() ? rootRel : rootRel);
  } finally {
    closeQuietly(r.fd);
  }
}

async function* empty(): AsyncGenerator<Uint8Array> { /* no data */ }

/** Adds an entry (its metadata and data) to the step's content digest. */
export async function hashEntry(hash: Hasher, e: TarEntry): Promise<void> {
  const h = e.header;
  hash.update(new TextEncoder().encode(`${JSON.stringify([h.name, h.type, h.mode, h.uid, h.gid, h.size, h.mtime, h.linkname])}\n`));
  for await (const chunk of e.body()) hash.update(chunk);
}

export function newDigest(): Hasher {
  return createHash("sha256");
}
