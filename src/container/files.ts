/**
 * A container's filesystem from the outside: its rootfs (mounted for the moment when the
 * container is not running), the changes in its writable layer, and copies in and out. Copies into
 * a running container pause it, so it cannot swap a directory for a symlink half way
 * (CVE-2018-15664); every path inside is resolved with chroot semantics.
 */
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { isMounted } from "../image/mount.js";
import { SkiffError } from "../errors.js";
import { hasSnapshot, snapshotFs } from "../snapshot/store.js";
import type { Sys } from "../sys/index.js";
import { at, closeQuietly, O_PATH, openChild, openRoot } from "../snapshot/rooted.js";
import { withLock } from "../util/lock.js";
import type { ContainerRoot } from "./copy.js";
import { prepareRootfs, unmountRootfs } from "./rootfs.js";
import { containerLock, isVfs, rootfsDir, upperDir, type ContainerPaths } from "./paths.js";
import { isActive, type ContainerRecord } from "./record.js";
import { readState } from "./store.js";

/**
 * Runs `fn` on an O_PATH fd of the container's "/": a running container's own view (/proc/PID/root,
 * with its volumes and tmpfs; checked to be the container's rootfs, since pids are reused), else
 * its rootfs, mounted meanwhile.
 */
export async function withContainerRoot<T>(p: ContainerPaths, rec: ContainerRecord, sys: Sys, fn: (root: ContainerRoot, running: boolean) => Promise<T>): Promise<T> {
  return withRootfs(p, rec, sys, async (rootfs, running) => {
    const own = running ? processRoot(readState(p, rec.id).pid, rootfs) : undefined;
    const fd = own ?? openRoot(rootfs);
    // the container's own view has its volumes; otherwise they are reached through their sources
    const mounts = own ? undefined : rec.mounts.filter((m) => m.type !== "tmpfs" && m.type !== "image").map((m) => ({ destination: m.destination, source: m.source }));
    try {
      return await fn({ fd, name: rec.name, mounts }, running);
    } finally {
      closeSync(fd);
    }
  });
}

function processRoot(pid: number | undefined, rootfs: string): number | undefined {
  if (!pid) return undefined;
  let proc: number | undefined, root: number | undefined;
  try {
    proc = openRoot(`/proc/${pid}`);
    root = openSync(at(proc, "root"), O_PATH | constants.O_DIRECTORY);
    const a = fstatSync(root), b = statSync(rootfs);
    if (a.dev === b.dev && a.ino === b.ino) return root;
  } catch { /* gone: use the rootfs */ }
  finally {
    closeQuietly(proc);
  }
  closeQuietly(root);
  return undefined;
}

/** Runs `fn` on the container's merged rootfs, mounting it meanwhile if the container is not running. */
export async function withRootfs<T>(p: ContainerPaths, rec: ContainerRecord, sys: Sys, fn: (rootfs: string, running: boolean) => Promise<T>): Promise<T> {
  const target = rootfsDir(p, rec);
  // a vfs root is never mounted: whether the container runs is its state's to say
  const inUse = () => (isVfs(rec) ? existsSync(target) && isActive(readState(p, rec.id).status) : isMounted(target));
  if (inUse()) return fn(target, true);
  return withLock(containerLock(p, rec.id), { what: `container ${rec.name}` }, async () => {
    if (inUse()) return fn(target, true);
    const rootfs = await prepareRootfs(p, rec, sys);
    try {
      return await fn(rootfs, false);
    } finally {
      unmountRootfs(p, rec, sys);
    }
  });
}

export interface Change { kind: "A" | "C" | "D"; path: string }

/** What the writable layer changed, as podman's diff lists it: A added, C changed, D deleted. */
export function containerChanges(p: ContainerPaths, rec: ContainerRecord): Change[] {
  if (isVfs(rec)) throw new SkiffError("NOT_IMPLEMENTED", `container ${rec.name} uses the vfs storage driver: its changes are not kept apart from the image yet`, { hint: "diff and commit need an overlay container (the default driver)" });
  const lowers = [...rec.image.chainIds].reverse().filter((c) => hasSnapshot(p, c)).map((c) => snapshotFs(p, c));
  const inImage = (rel: string): boolean => {
    for (const l of lowers) {
      try {
        const st = lstatSync(join(l, rel));
        return !(st.isCharacterDevice() && st.rdev === 0); // a whiteout in a higher layer hides it
      } catch { /* not in this layer */ }
    }
    return false;
  };
  const out: Change[] = [];
  // the upper dir is the container's to change while we walk it: each step is anchored on an fd
  const walk = (dirFd: number, rel: string, parentAdded: boolean) => {
    let names: string[];
    try {
      names = readdirSync(at(dirFd));
    } catch {
      return;
    }
    for (const n of names.sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const fd = openChild(dirFd, n);
      if (fd === undefined) continue;
      try {
        const st = fstatSync(fd);
        if (st.isCharacterDevice() && st.rdev === 0) {
          out.push({ kind: "D", path: `/${r}` });
          continue;
        }
        const added = parentAdded || !inImage(r);
        out.push({ kind: added ? "A" : "C", path: `/${r}` });
        if (st.isDirectory()) walk(fd, r, added);
      } finally {
        closeSync(fd);
      }
    }
  };
  const upper = openRoot(upperDir(p, rec.id));
  try {
    walk(upper, "", false);
  } finally {
    closeSync(upper);
  }
  return withoutMountpoints(out, rec);
}

/**
 * The runtime creates empty files and directories to mount /proc, /dev, /etc/hosts, volumes… on;
 * they are not the container's changes. Directories that only changed to hold them go too.
 */
/** Where the runtime mounts something into the container (it may have made each as an empty stub). */
export function runtimeMountpoints(rec: Pick<ContainerRecord, "options" | "mounts">): string[] {
  return ["/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys/fs/cgroup", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/run/.containerenv", ...(rec.options.tz ? ["/etc/localtime"] : []), ...(rec.options.init ? ["/run/skiff-init"] : []), ...rec.mounts.map((m) => m.destination)];
}

function withoutMountpoints(changes: Change[], rec: ContainerRecord): Change[] {
  const points = new Set(runtimeMountpoints(rec));
  const kept = changes.filter((c) => !(c.kind === "A" && points.has(c.path)) && !(c.kind === "A" && [...points].some((m) => c.path.startsWith(`${m}/`))));
  return kept.filter((c) => {
    if (c.kind === "D") return true;
    const leadsToMountpoint = [...points].some((m) => m.startsWith(`${c.path}/`));
    return !leadsToMountpoint || kept.some((o) => o !== c && o.path.startsWith(`${c.path}/`));
  });
}
