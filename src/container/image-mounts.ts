/**
 * --mount type=image: another image's layers in the container, as the spec mount runc makes in the
 * container's own mount namespace (so nothing is left mounted on the host when it stops). Read-only:
 * an overlay of the layers' snapshots (one layer: a read-only bind). rw=true: an overlay with an
 * upper dir of the container's own, kept across restarts, removed with the container.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import { lowerDirs } from "../snapshot/store.js";
import type { Mount } from "../spec/types.js";
import { containerDir, type ContainerPaths } from "./paths.js";
import type { MountInfo } from "./record.js";
import { inUserNamespace } from "../rootless/userns.js";

/** The kernel takes a page of mount options: past it, the overlay cannot be mounted. */
const MAX_MOUNT_DATA = 4095;

/** The spec mount for an image mount over `lowers` (top layer first); `rw` gives its upper and work dirs. */
export function imageMountSpec(destination: string, lowers: string[], rw?: { upper: string; work: string }): Mount {
  if (!rw && lowers.length === 1) return { destination, type: "bind", source: lowers[0], options: ["rbind", "rprivate", "ro", "nosuid", "nodev"] };
  const options = [`lowerdir=${lowers.join(":")}`, ...(rw ? [`upperdir=${rw.upper}`, `workdir=${rw.work}`] : ["ro"]), "nosuid", "nodev", ...(inUserNamespace() ? ["userxattr"] : [])];
  if (options.join(",").length > MAX_MOUNT_DATA) throw new SkiffError("FAILED_PRECONDITION", `--mount type=image at ${destination}: the image has too many layers to mount`, { hint: "squash it (build --squash-all) first" });
  return { destination, type: "overlay", source: "overlay", options };
}

/** The spec mount of `m`, the `i`th of the container `id`'s mounts. */
export function imageMount(p: ContainerPaths, id: string, m: MountInfo, i: number): Mount {
  const lowers = lowerDirs(p, m.chainIds ?? [], (c) => new SkiffError("NOT_FOUND", `--mount type=image at ${m.destination}: layer ${c.slice(7, 19)} of ${m.name ?? m.source.slice(7, 19)} is not in the store`, { hint: "pull the image again" }));
  if (lowers.length === 0) throw new SkiffError("FAILED_PRECONDITION", `--mount type=image at ${m.destination}: ${m.name ?? m.source} has no layers`);
  if (!m.rw) return imageMountSpec(m.destination, lowers);
  const dir = join(containerDir(p, id), "image-mounts", String(i));
  const rw = { upper: join(dir, "upper"), work: join(dir, "work") };
  for (const d of [rw.upper, rw.work]) mkdirSync(d, { recursive: true, mode: 0o755 });
  return imageMountSpec(m.destination, lowers, rw);
}
