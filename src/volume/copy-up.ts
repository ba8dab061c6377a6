/**
 * podman's volume copy-up: the first time a new volume is mounted over a path of the container's
 * image, what the image has there (files, owners, modes, times) is copied into the volume, so an
 * image's VOLUME owned by its service user (postgres, redis…) is that user's in the container
 * too. Only an empty volume that was never copied into is filled; the image side is read through
 * fds resolved inside the rootfs (snapshot/rooted.ts), the volume side is skiff's own directory.
 */
import { chmodSync, chownSync, closeSync, readdirSync, utimesSync } from "node:fs";
import { PassThrough } from "node:stream";
import { applyLayer } from "../snapshot/apply.js";
import { closeQuietly, openRoot, resolveIn, type Resolved } from "../snapshot/rooted.js";
import { packAt } from "../snapshot/tar/pack.js";
import { readTar } from "../snapshot/tar/reader.js";
import type { Sys } from "../sys/types.js";
import { withLock } from "../util/lock.js";
import { findVolume, markCopiedUp } from "./store.js";

export interface VolumeMount { name: string; destination: string }

export async function copyUpVolumes(root: string, lockDir: string, rootfs: string, mounts: VolumeMount[], sys: Sys): Promise<void> {
  for (const m of mounts) {
    if (!findVolume(root, m.name)?.NeedsCopyUp) continue;
    await withLock(`${lockDir}/volume-${m.name}.lock`, { what: `volume ${m.name}` }, async () => {
      const v = findVolume(root, m.name);
      if (!v?.NeedsCopyUp) return;
      if (readdirSync(v.Mountpoint).length === 0) await copyInto(rootfs, m.destination, v.Mountpoint, sys);
      markCopiedUp(root, m.name);
    });
  }
}

async function copyInto(rootfs: string, path: string, target: string, sys: Sys): Promise<void> {
  const rootFd = openRoot(rootfs);
  let r: Resolved | undefined;
  try {
    r = resolveIn(rootFd, path, { followLast: true });
    if (r.missing !== undefined || !r.stat.isDirectory()) return; // nothing in the image there
    // the volume's root takes the image directory's owner and mode (a service user's data dir)
    chownSync(target, r.stat.uid, r.stat.gid);
    chmodSync(target, r.stat.mode & 0o7777);
    const pipe = new PassThrough({ highWaterMark: 1 << 20 });
    const dirFd = r.fd;
    const packing = packAt(dirFd, undefined, "", async (chunk) => {
      if (!pipe.write(chunk)) await new Promise((res) => pipe.once("drain", res));
    }).then(() => pipe.end(), (err) => pipe.destroy(err));
    await Promise.all([applyLayer(readTar(pipe), { root: target, lowers: [], mode: "plain", sys }), packing]);
    utimesSync(target, r.stat.atime, r.stat.mtime);
  } finally {
    closeQuietly(r?.fd);
    closeSync(rootFd);
  }
}
