/**
 * Applies one layer's tar entries to a snapshot directory. "overlay" writes the layer as an
 * overlayfs upper directory (whiteouts become 0:0 char devices, opaque directories an xattr) so the
 * snapshot can serve as a lower dir; "plain" applies deletions directly (the vfs driver). Nothing
 * can reach outside `root`: paths are resolved with chroot semantics (resolve.ts), the last
 * component is never followed, and nothing is written through a symlink.
 */
import { closeSync, fchmodSync, fchownSync, ftruncateSync, futimesSync, lchownSync, linkSync, lutimesSync, mkdirSync, openSync, rmSync, symlinkSync, chmodSync, writeSync, constants, readdirSync, type Stats, copyFileSync } from "node:fs";
import { join, relative } from "node:path";
import { SkiffError, errnoCode, messageOf } from "../errors.js";
import type { Sys } from "../sys/types.js";
import type { Logger } from "../log.js";
import type { TarEntry, TarHeader } from "./tar/reader.js";
import { cleanComponents, lstatMaybe, resolveEntryPath, resolveInRoot } from "./resolve.js";

export interface ApplyOptions {
  /** The snapshot directory this layer is written into (fresh, private). */
  root: string;
  /** Lower snapshot directories, top-most first: parents inherit attributes, hardlinks copy up. */
  lowers: string[];
  mode: "overlay" | "plain";
  sys: Sys;
  log?: Logger;
  /**
   * Rootless, in skiff's user namespace (rootless/): owners as mapped there, no device nodes but
   * overlay's whiteouts, user.overlay.* instead of trusted.overlay.*.
   */
  rootless?: boolean;
}

export interface ApplyStats { entries: number; bytes: number }

const WH = ".wh.";
const OPAQUE = ".wh..wh..opq";

function bad(msg: string): never {
  throw new SkiffError("INVALID_ARGUMENT", msg);
}

/** xattrs an image may set: never trusted.* (that includes overlay's own), nor SELinux labels. */
export function allowedXattr(name: string, rootless: boolean): boolean {
  if (name.startsWith("trusted.")) return false;
  if (name === "security.selinux" || name === "system.nfs4_acl") return false;
  if (rootless && name.startsWith("user.overlay.")) return false;
  return true;
}

export async function applyLayer(entries: AsyncIterable<TarEntry>, opts: ApplyOptions): Promise<ApplyStats> {
  const { root, sys } = opts;
  const overlayPrefix = opts.rootless ? "user.overlay." : "trusted.overlay.";
  /** Directory times, set after the whole layer: creating children would change them again. */
  const dirTimes: [string, Date | number, Date | number][] = [];
  const created = new Set<string>();
  const stats: ApplyStats = { entries: 0, bytes: 0 };
  // Directories of this layer already resolved and known to be real directories (no symlink on the
  // way). Valid because nothing else writes the snapshot; any removal clears it.
  const knownDirs = new Map<string, string>();
  const forgetDirs = () => knownDirs.clear();
  const isRoot = process.getuid?.() === 0;
  /** chown, with what to do when the namespace does not map the owner (a single-ID rootless mapping). */
  const own = (name: string, uid: number, gid: number, chown: () => void) => {
    try {
      chown();
    } catch (err) {
      if (!opts.rootless || errnoCode(err) !== "EINVAL") throw err;
      throw new SkiffError("FAILED_PRECONDITION", `${name} is owned by ${uid}:${gid}, which your user namespace does not map`, {
        hint: "add a range of subordinate IDs for your user to /etc/subuid and /etc/subgid (e.g. USER:100000:65536), then run skiff system migrate",
      });
    }
  };
  /** Path relative to root; cheaper than path.relative for paths known to be under root. */
  const relOf = (p: string) => (p === root ? "" : p.slice(root.length + 1));

  /** mkdir -p inside root; new directories copy their attributes from the lowers when they can. */
  const ensureDir = (abs: string) => {
    const rel = relative(root, abs);
    if (rel === "") return;
    let cur = root;
    for (const c of rel.split("/")) {
      cur = join(cur, c);
      const st = lstatMaybe(cur);
      if (st?.isDirectory()) continue;
      if (st) bad(`${relative(root, cur)} is not a directory`);
      mkdirSync(cur, 0o755);
      created.add(relative(root, cur));
      const from = opts.lowers.map((l) => lstatMaybe(resolveInRoot(l, relative(root, cur).split("/")))).find((s) => s?.isDirectory());
      if (from) {
        own(relative(root, cur), from.uid, from.gid, () => lchownSync(cur, from.uid, from.gid));
        chmodSync(cur, from.mode & 0o7777);
        dirTimes.push([cur, from.atime, from.mtime]);
      } else {
        chmodSync(cur, 0o755);
      }
    }
  };

  const removeExisting = (path: string, keepDir: boolean): Stats | undefined => {
    const st = lstatMaybe(path);
    if (!st) return undefined;
    if (keepDir && st.isDirectory()) return st;
    rmSync(path, { recursive: true, force: true });
    if (st.isDirectory()) forgetDirs();
    return undefined;
  };

  /** The real directory holding an entry, created if needed; cached per parent path. */
  const parentOf = (comps: string[]): string => {
    const key = comps.slice(0, -1).join("/");
    const hit = knownDirs.get(key);
    if (hit !== undefined) return hit;
    const { parent } = resolveEntryPath(root, comps);
    ensureDir(parent);
    knownDirs.set(key, parent);
    return parent;
  };

  const setXattrs = (path: string, h: TarHeader) => {
    for (const [name, value] of h.xattrs) {
      if (!allowedXattr(name, Boolean(opts.rootless))) {
        opts.log?.debug(`skip xattr ${name} on ${relative(root, path)}`);
        continue;
      }
      try {
        sys.lsetxattr(path, name, value);
      } catch (err) {
        // user.* cannot be set on symlinks and devices; rootless cannot set security.capability
        if (h.type === "symlink" || h.type === "char" || h.type === "block" || h.type === "fifo" || opts.rootless) {
          opts.log?.debug(`skip xattr ${name} on ${relative(root, path)}: ${messageOf(err)}`);
        } else throw err;
      }
    }
  };

  const setMetadata = (path: string, h: TarHeader) => {
    if (h.type === "file") {
      setXattrs(path, h); // owner, mode and times were set through the fd
      return;
    }
    if (!(isRoot && h.uid === 0 && h.gid === 0)) own(h.name, h.uid, h.gid, () => lchownSync(path, h.uid, h.gid));
    setXattrs(path, h);
    // after chown, which clears setuid/setgid
    if (h.type !== "symlink") chmodSync(path, h.mode);
    const times: [number, number] = [Math.max(h.atime ?? h.mtime, h.mtime), h.mtime];
    if (h.type === "dir") dirTimes.push([path, ...times]);
    else lutimesSync(path, ...times);
  };

  /** Writes a regular file and sets its owner, mode and times through the open fd. */
  const writeFile = async (path: string, entry: TarEntry) => {
    const h = entry.header;
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      const regions = entry.header.sparse?.regions ?? [{ offset: 0, length: entry.header.size }];
      let region = 0, inRegion = 0;
      for await (const chunk of entry.body()) {
        let off = 0;
        while (off < chunk.length) {
          while (region < regions.length && inRegion === regions[region].length) { region++; inRegion = 0; }
          if (region >= regions.length) bad(`tar entry ${entry.header.name}: more data than its sparse map`);
          const n = Math.min(chunk.length - off, regions[region].length - inRegion);
          writeSync(fd, chunk, off, n, regions[region].offset + inRegion);
          off += n;
          inRegion += n;
          stats.bytes += n;
        }
      }
      if (entry.header.sparse) ftruncateSync(fd, entry.header.sparse.realSize);
      // a file made by root is already 0:0; chown before chmod, which keeps setuid/setgid
      if (!(isRoot && h.uid === 0 && h.gid === 0)) own(h.name, h.uid, h.gid, () => fchownSync(fd, h.uid, h.gid));
      fchmodSync(fd, h.mode);
      futimesSync(fd, Math.max(h.atime ?? h.mtime, h.mtime), h.mtime);
    } finally {
      closeSync(fd);
    }
  };

  const hardlinkSource = (h: TarHeader): string => {
    const comps = cleanComponents(h.linkname);
    if (comps.length === 0) bad(`hardlink ${h.name} points at the root`);
    const here = resolveEntryPath(root, comps).path;
    const st = lstatMaybe(here);
    if (st) {
      if (st.isDirectory()) bad(`hardlink ${h.name} points at a directory`);
      return here;
    }
    // a link to a file of an earlier layer: copy it up into this layer first
    for (const lower of opts.lowers) {
      const src = resolveEntryPath(lower, comps).path;
      const lst = lstatMaybe(src);
      if (!lst || lst.isDirectory()) continue;
      if (!lst.isFile()) bad(`hardlink ${h.name}: target ${h.linkname} in an earlier layer is not a regular file`);
      ensureDir(resolveEntryPath(root, comps).parent);
      copyFileSync(src, here, constants.COPYFILE_EXCL);
      own(h.name, lst.uid, lst.gid, () => lchownSync(here, lst.uid, lst.gid));
      chmodSync(here, lst.mode & 0o7777);
      lutimesSync(here, lst.atime, lst.mtime);
      return here;
    }
    return bad(`hardlink ${h.name}: target ${h.linkname} not found`);
  };

  for await (const entry of entries) {
    const h = entry.header;
    stats.entries++;
    const comps = cleanComponents(h.name);
    if (comps.length === 0) {
      if (h.type !== "dir") bad(`refusing to change the type of the image root (entry "${h.name}")`);
      setMetadata(root, h);
      continue;
    }
    const base = comps[comps.length - 1];
    const parent = parentOf(comps);
    const path = join(parent, base);

    if (base === OPAQUE) {
      if (opts.mode === "overlay") sys.lsetxattr(parent, `${overlayPrefix}opaque`, new TextEncoder().encode("y"));
      // what an earlier layer applied to this same root put there is hidden too (--squash applies
      // several layers into one upper dir; a fresh snapshot has nothing else to remove)
      for (const child of readdirSync(parent)) {
        if (!created.has(relOf(join(parent, child)))) rmSync(join(parent, child), { recursive: true, force: true });
      }
      forgetDirs();
      continue;
    }
    if (base.startsWith(WH)) {
      const victim = base.slice(WH.length);
      if (victim === "" || victim === "." || victim === ".." || victim.startsWith(WH)) bad(`invalid whiteout "${h.name}"`);
      const target = join(parent, victim);
      removeExisting(target, false);
      forgetDirs();
      created.delete(relOf(target));
      if (opts.mode === "overlay") {
        // a 0/0 character device: the one device node a user namespace may make
        try {
          sys.mknod(target, "char", 0, 0, 0);
        } catch (err) {
          // an overlayfs (skiff inside a container) takes such a node for a whiteout of its own
          // (the libc port's error carries the errno as its cause; Node's mknod(1) path its own code)
          if ([errnoCode(err), errnoCode((err as { cause?: unknown }).cause)].includes("EPERM")) throw new SkiffError("FAILED_PRECONDITION", `unpack ${h.name}: the store's file system refuses overlay whiteouts`, { hint: "on an overlayfs (inside a container) use --storage-driver vfs", cause: err });
          throw err;
        }
        own(h.name, h.uid, h.gid, () => lchownSync(target, h.uid, h.gid));
      }
      continue;
    }

    const kept = removeExisting(path, h.type === "dir");
    switch (h.type) {
      case "dir":
        if (!kept) mkdirSync(path, 0o700);
        break;
      case "file":
        await writeFile(path, entry);
        break;
      case "symlink":
        symlinkSync(h.linkname, path);
        break;
      case "hardlink":
        linkSync(hardlinkSource(h), path);
        created.add(relOf(path));
        continue; // a link shares its target's metadata
      case "char":
      case "block":
      case "fifo":
        if (opts.rootless && h.type !== "fifo") {
          opts.log?.warn(`skip device ${h.name}: device nodes need root`);
          continue;
        }
        sys.mknod(path, h.type, h.mode, h.devmajor, h.devminor);
        break;
    }
    created.add(relOf(path));
    setMetadata(path, h);
  }

  // deepest first; a later entry for the same directory wins
  const last = new Map(dirTimes.map((d) => [d[0], d] as const));
  for (const [path, atime, mtime] of [...last.values()].sort((a, b) => b[0].length - a[0].length)) {
    try {
      lutimesSync(path, atime, mtime);
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") throw err; // removed later in the same layer
    }
  }
  return stats;
}
