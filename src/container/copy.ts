/**
 * `cp` both ways, as tar entries. The container side is only ever reached through fds resolved
 * inside its root by the kernel (snapshot/rooted.ts): packed from there on the way out
 * (packAt), written there on the way in (rooted-write.ts). The host side is the user's and is
 * written by the same code that unpacks layers (snapshot/apply.ts).
 */
import { closeSync, createReadStream, lstatSync } from "node:fs";
import { writeAllSync } from "../util/write.js";
import { dirname, posix } from "node:path";
import { PassThrough } from "node:stream";
import { SkiffError } from "../errors.js";
import { applyLayer } from "../snapshot/apply.js";
import { closeQuietly, openChild, openRoot, resolveIn, type Resolved } from "../snapshot/rooted.js";
import { writeEntriesIn } from "../snapshot/rooted-write.js";
import { packAt, packTree, type Sink } from "../snapshot/tar/pack.js";
import { readTar, type TarEntry } from "../snapshot/tar/reader.js";
import type { Sys } from "../sys/index.js";

/**
 * A container's root for a copy: an O_PATH fd of its "/" (its own mount namespace when running);
 * for a stopped container, the volumes and bind mounts it would have (their host directories).
 */
export interface ContainerRoot { fd: number; name: string; mounts?: { destination: string; source: string }[] }

/** The root and path a copy uses: the mount the path lies in when the container is not running. */
function withinMount(root: ContainerRoot, path: string): { root: ContainerRoot; path: string; close: () => void } {
  const clean = posix.normalize(`/${path}`);
  const hit = (root.mounts ?? []).filter((m) => clean === m.destination || clean.startsWith(`${m.destination.replace(/\/+$/, "")}/`))
    .sort((a, b) => b.destination.length - a.destination.length)[0];
  if (!hit) return { root, path, close: () => undefined };
  const fd = openRoot(hit.source);
  const rest = clean.slice(hit.destination.replace(/\/+$/, "").length) || "/";
  // a trailing "/" or "/." of the original path keeps its meaning
  const tail = /\/\.$/.test(path) ? "/." : /\/$/.test(path) ? "/" : "";
  return { root: { fd, name: root.name }, path: `${rest.replace(/\/+$/, "") || "/"}${tail}`.replace(/^\/\/+/, "/"), close: () => closeSync(fd) };
}

/** Where a copy lands: into `dest` when it is a directory, else as `dest` itself (docker cp's rules). */
export function placement(srcPath: string, destPath: string, destIsDir: boolean): { dir: string; name: string } {
  const contentsOnly = /\/\.$/.test(srcPath);
  if (destIsDir) return { dir: destPath, name: contentsOnly ? "" : posix.basename(srcPath.replace(/\/+$/, "")) || "" };
  return { dir: posix.dirname(destPath), name: posix.basename(destPath) };
}

function statMaybe(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** A tar stream as it is written by `pack`, read back as entries (pack and read run side by side). */
function piped(pack: (sink: Sink) => Promise<void>): AsyncIterable<TarEntry> {
  const pipe = new PassThrough({ highWaterMark: 1 << 20 });
  pack(async (chunk) => {
    if (!pipe.write(chunk)) await new Promise((r) => pipe.once("drain", r));
  }).then(() => pipe.end(), (err) => pipe.destroy(err));
  return readTar(pipe);
}

function notFound(root: ContainerRoot, path: string): never {
  throw new SkiffError("NOT_FOUND", `"${path}" could not be found on container ${root.name}: no such file or directory`);
}

/** Packs `src` of the container: the entry itself (a final symlink is copied as a link), or a directory's contents for "DIR/.". */
async function packFromContainer(root: ContainerRoot, src: string, name: string, sink: Sink, bareDirs = false): Promise<void> {
  const contents = /\/\.?$/.test(src) && src.replace(/\/+\.?$/, "") !== "";
  let r: Resolved | undefined;
  try {
    if (contents || src.replace(/\/+$/, "") === "") {
      r = resolveIn(root.fd, src, { followLast: true });
      if (r.missing !== undefined) notFound(root, src);
      if (!r.stat.isDirectory()) throw new SkiffError("INVALID_ARGUMENT", `"${src}" is not a directory on container ${root.name}`);
      return await packAt(r.fd, undefined, name, sink, { bareDirs });
    }
    r = resolveIn(root.fd, posix.dirname(src), { followLast: true });
    const base = posix.basename(src);
    if (r.missing !== undefined || !r.stat.isDirectory()) notFound(root, src);
    const child = openChild(r.fd, base);
    if (child === undefined) notFound(root, src);
    closeSync(child);
    await packAt(r.fd, base, name, sink, { bareDirs });
  } catch (err) {
    if (err instanceof SkiffError && err.code === "NOT_FOUND") notFound(root, src);
    throw err;
  } finally {
    closeQuietly(r?.fd);
  }
}

function isDirectoryIn(root: ContainerRoot, path: string): boolean {
  try {
    const r = resolveIn(root.fd, path, { followLast: /\/\.?$/.test(path) });
    closeSync(r.fd);
    return r.missing === undefined && r.stat.isDirectory();
  } catch {
    return false;
  }
}

/** Container → host (`dest` "-" writes the tar to stdout). Files land owned by the caller, as podman's. */
export async function copyOut(container: ContainerRoot, path: string, dest: string, sys: Sys): Promise<void> {
  const m = withinMount(container, path);
  try {
    await copyOutOf(m.root, m.path, dest, sys);
  } finally {
    m.close();
  }
}

async function copyOutOf(root: ContainerRoot, src: string, dest: string, sys: Sys): Promise<void> {
  if (dest === "-") {
    await packFromContainer(root, src, posix.basename(src.replace(/\/+\.?$/, "")) || ".", (chunk) => writeAllSync(1, chunk), true);
    return;
  }
  const destStat = statMaybe(dest);
  if (!destStat && !statMaybe(dirname(dest))) throw new SkiffError("NOT_FOUND", `"${dirname(dest)}" could not be found on the host: no such file or directory`);
  const { dir, name } = placement(src, dest, Boolean(destStat?.isDirectory()));
  if (destStat && !destStat.isDirectory() && isDirectoryIn(root, src)) throw new SkiffError("INVALID_ARGUMENT", "destination must be a directory when copying a directory");
  const uid = process.getuid?.() ?? 0, gid = process.getgid?.() ?? 0;
  const owned = async function* (entries: AsyncIterable<TarEntry>) {
    for await (const e of entries) {
      e.header.uid = uid;
      e.header.gid = gid;
      yield e;
    }
  };
  await applyLayer(owned(piped((sink) => packFromContainer(root, src, name, sink))), { root: dir, lowers: [], mode: "plain", sys });
}

export interface CopyInOptions {
  /** Owner of what is copied (the container's user, `-a`); undefined keeps the source's. */
  owner?: { uid: number; gid: number };
  overwrite: boolean;
}

/** Host → container (`src` "-" reads a tar from stdin into the directory `dest`). */
export async function copyIn(container: ContainerRoot, src: string, path: string, sys: Sys, opts: CopyInOptions): Promise<void> {
  const m = withinMount(container, path);
  try {
    await copyInto(m.root, src, m.path, sys, opts);
  } finally {
    m.close();
  }
}

async function copyInto(root: ContainerRoot, src: string, dest: string, sys: Sys, opts: CopyInOptions): Promise<void> {
  let r: Resolved;
  try {
    r = resolveIn(root.fd, dest, { followLast: true });
  } catch (err) {
    if (err instanceof SkiffError && err.code === "NOT_FOUND") notFound(root, dest);
    throw err;
  }
  let destIsDir: boolean, destExists: boolean;
  try {
    destExists = r.missing === undefined;
    destIsDir = destExists && r.stat.isDirectory();
  } finally {
    closeSync(r.fd);
  }
  const write = (under: string, entries: AsyncIterable<TarEntry>) => writeEntriesIn(root.fd, under, entries, { ...opts, sys });
  if (src === "-") {
    if (!destIsDir) throw new SkiffError("INVALID_ARGUMENT", `destination "${dest}" must be a directory when copying from stdin`);
    await write(dest, readTar(createReadStream("", { fd: 0, autoClose: false })));
    return;
  }
  const hostSrc = src.replace(/\/\.$/, "");
  const srcStat = statMaybe(hostSrc);
  if (!srcStat) throw new SkiffError("NOT_FOUND", `"${src}" could not be found on the host: no such file or directory`);
  if (/\/$/.test(dest) && !destIsDir) notFound(root, dest);
  if (srcStat.isDirectory() && destExists && !destIsDir) throw new SkiffError("INVALID_ARGUMENT", "destination must be a directory when copying a directory");
  const { dir, name } = placement(src, `/${dest.replace(/^\/+/, "")}`, destIsDir);
  await write(dir, piped((sink) => packTree(hostSrc, name, sink)));
}
