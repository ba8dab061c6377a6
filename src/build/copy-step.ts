/**
 * COPY and ADD into a working container's mounted rootfs: the destination rules (a trailing "/",
 * several sources or a wildcard make it a directory; an existing directory takes the file inside;
 * a relative destination is under WORKDIR), owners 0:0 unless --chown (names looked up in the
 * container's /etc/passwd and /etc/group), --chmod, ADD's extraction of local tar archives
 * (plain, gzip, zstd; recognised by content) and its URL sources. Everything is written through
 * fds resolved inside the rootfs (snapshot/rooted-write.ts).
 */
import { closeSync } from "node:fs";
import { posix } from "node:path";
import { SkiffError } from "../errors.js";
import type { Sys } from "../sys/types.js";
import { decompress } from "../image/decompress.js";
import { sniffCompression } from "../image/media.js";
import { readFileIn, resolveIn, openRoot, openForRead } from "../snapshot/rooted.js";
import { writeEntriesIn } from "../snapshot/rooted-write.js";
import { readTar, type TarEntry } from "../snapshot/tar/reader.js";
import { resolveUser } from "../spec/user.js";
import { sourceEntries, type Source, type SourceRoot } from "./sources.js";
import { readSync } from "node:fs";

export interface CopyPlan {
  add: boolean;
  /** Resolved sources in their root, or in-memory files (heredocs, downloads). */
  sources: ({ kind: "path"; root: SourceRoot; src: Source; /** --parents: its directories under the destination */ parents?: string } | { kind: "data"; name: string; data: Uint8Array; mode: number; mtime: number })[];
  /** The destination as written, resolved against WORKDIR (a trailing "/" kept). */
  dest: string;
  /** Several sources or a wildcard: the destination is a directory. */
  destIsDir: boolean;
  chown?: string;
  chmod?: number;
}

const MAX_ETC = 8 << 20;

/** --chmod: octal only (what podman 4.3 accepts). */
export function parseChmod(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-7]{3,4}$/.test(value)) throw new SkiffError("INVALID_ARGUMENT", `invalid --chmod "${value}": expected an octal mode`);
  return parseInt(value, 8);
}

async function* dataEntry(name: string, data: Uint8Array, mode: number, mtime: number, owner: { uid: number; gid: number }): AsyncGenerator<TarEntry> {
  yield {
    header: { name, type: "file", mode, uid: owner.uid, gid: owner.gid, uname: "", gname: "", size: data.length, mtime, linkname: "", devmajor: 0, devminor: 0, xattrs: new Map() },
    body: async function* () { yield data; },
  };
}

/** The first bytes of a source file (to recognise a tar archive). */
function head(root: SourceRoot, src: Source): Uint8Array {
  const r = resolveIn(root.fd, src.rel, { followLast: true });
  try {
    if (!r.stat.isFile()) return new Uint8Array(0);
    const fd = openForRead(r.fd);
    try {
      const buf = Buffer.alloc(512);
      const n = readSync(fd, buf, 0, 512, 0);
      return buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  } finally {
    closeSync(r.fd);
  }
}

const isTar = (h: Uint8Array) => h.length >= 262 && new TextDecoder().decode(h.subarray(257, 262)) === "ustar";

/** Whether ADD extracts this source: a local file that is a tar archive, compressed or not. */
export function isArchive(root: SourceRoot, src: Source): boolean {
  if (src.isDir) return false;
  const h = head(root, src);
  const kind = sniffCompression(h);
  return kind !== "none" || isTar(h);
}

async function* fileChunksAt(root: SourceRoot, rel: string): AsyncGenerator<Uint8Array> {
  const r = resolveIn(root.fd, rel, { followLast: true });
  const fd = openForRead(r.fd);
  closeSync(r.fd);
  try {
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

async function* archiveEntries(root: SourceRoot, src: Source, owner?: { uid: number; gid: number }): AsyncGenerator<TarEntry> {
  const chunks = fileChunksAt(root, src.rel);
  const first = head(root, src);
  for await (const e of readTar(decompress(chunks, sniffCompression(first)))) {
    if (owner) {
      e.header.uid = owner.uid;
      e.header.gid = owner.gid;
    }
    yield e;
  }
}

async function* dirEntry(name: string, owner: { uid: number; gid: number }): AsyncGenerator<TarEntry> {
  const mtime = Math.floor(Date.now() / 1000);
  yield { header: { name, type: "dir", mode: 0o755, uid: owner.uid, gid: owner.gid, uname: "", gname: "", size: 0, mtime, linkname: "", devmajor: 0, devminor: 0, xattrs: new Map() }, body: async function* () { /* none */ } };
}

function exists(rootFd: number, path: string): boolean {
  try {
    const r = resolveIn(rootFd, path, { followLast: true });
    closeSync(r.fd);
    return r.missing === undefined;
  } catch {
    return false;
  }
}

/** Carries out a COPY/ADD plan in the mounted rootfs `rootfs`. */
export async function copyInto(rootfs: string, plan: CopyPlan, sys: Sys): Promise<void> {
  const rootFd = openRoot(rootfs);
  try {
    const owner = plan.chown !== undefined
      ? (({ uid, gid }) => ({ uid, gid }))(resolveUser(plan.chown, readFileIn(rootfs, "/etc/passwd", MAX_ETC), readFileIn(rootfs, "/etc/group", MAX_ETC)))
      : { uid: 0, gid: 0 };
    const destExistsAsDir = (() => {
      try {
        const r = resolveIn(rootFd, plan.dest, { followLast: true });
        closeSync(r.fd);
        return r.missing === undefined && r.stat.isDirectory();
      } catch {
        return false;
      }
    })();
    const intoDir = plan.destIsDir || plan.dest.endsWith("/") || destExistsAsDir;
    const w = { owner: undefined, overwrite: false, sys };
    for (const s of plan.sources) {
      if (s.kind === "data") {
        const [under, name] = intoDir ? [plan.dest, s.name] : [posix.dirname(plan.dest), posix.basename(plan.dest)];
        await writeEntriesIn(rootFd, under, dataEntry(name, s.data, plan.chmod ?? s.mode, s.mtime, owner), w);
        continue;
      }
      const o = { owner, chmod: plan.chmod };
      if (s.parents !== undefined) {
        // --parents: the source keeps its directories below the destination directory
        const under = posix.join(plan.dest, s.parents);
        if (s.src.isDir) await writeEntriesIn(rootFd, posix.join(under, posix.basename(s.src.rel)), sourceEntries(s.root, s.src, "", o), w);
        else await writeEntriesIn(rootFd, under, sourceEntries(s.root, s.src, posix.basename(s.src.rel), o), w);
        continue;
      }
      if (s.src.isDir) {
        // a destination that does not exist yet is the source directory itself (its mode, the owner)
        // a destination directory made for it is 0755 and belongs to the --chown owner, as podman makes it
        if (!exists(rootFd, plan.dest)) {
          const d = plan.dest.replace(/\/+$/, "");
          await writeEntriesIn(rootFd, posix.dirname(d), dirEntry(posix.basename(d), owner), w);
        }
        await writeEntriesIn(rootFd, plan.dest, sourceEntries(s.root, s.src, "", o), w);
      } else if (plan.add && isArchive(s.root, s.src)) {
        await writeEntriesIn(rootFd, plan.dest, archiveEntries(s.root, s.src, plan.chown !== undefined ? owner : undefined), w);
      } else {
        const [under, name] = intoDir ? [plan.dest, posix.basename(s.src.rel)] : [posix.dirname(plan.dest), posix.basename(plan.dest)];
        await writeEntriesIn(rootFd, under, sourceEntries(s.root, s.src, name, o), w);
      }
    }
  } finally {
    closeSync(rootFd);
  }
}
