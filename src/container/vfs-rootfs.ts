/**
 * The vfs driver's container root: no overlay, a directory of the container's own under --root with
 * the image's layers applied one after another from their stored blobs ("plain" mode: whiteouts
 * delete, opaque directories empty, with the same rooted, never-follow writes as an unpack, and
 * each layer's uncompressed digest checked against the image config's as an unpack checks it), made
 * once before the first start and kept with the container (its changes are written there). For
 * kernels or file systems where overlayfs is refused; it costs a full copy of the image per container.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { SkiffError } from "../errors.js";
import { findImage } from "../image/images.js";
import { blobPath } from "../image/store/layout.js";
import { applyVerified } from "../image/unpack.js";
import { applyLayer } from "../snapshot/apply.js";
import { readTar } from "../snapshot/tar/reader.js";
import type { Sys } from "../sys/types.js";
import { shiftOwners } from "../rootless/shifted.js";
import type { IdMapping } from "../rootless/keep-id.js";
import { ownAsContainerRoot } from "./rootfs.js";
import { rootfsDir, type ContainerPaths } from "./paths.js";
import type { ContainerRecord } from "./record.js";
import { inUserNamespace } from "../rootless/userns.js";

/** Makes the container's vfs root unless it exists; `mapping` moves its owners (keep-id, nomap, auto). */
export async function makeVfsRootfs(p: ContainerPaths, rec: ContainerRecord, sys: Sys, mapping?: { uidMappings: IdMapping[]; gidMappings: IdMapping[] }): Promise<void> {
  const target = rootfsDir(p, rec);
  if (existsSync(target)) return;
  const image = findImage(p, rec.image.id, []);
  if (!image) throw new SkiffError("NOT_FOUND", `container ${rec.name}: image ${rec.image.name} is not in the store`, { hint: "pull it again" });
  const tmp = `${target}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  mkdirSync(tmp, { mode: 0o700 });
  try {
    for (const [i, layer] of image.manifest.layers.entries()) {
      const path = blobPath(p, layer.digest);
      if (!existsSync(path)) throw new SkiffError("NOT_FOUND", `container ${rec.name}: layer ${layer.digest} of image ${rec.image.name} is not stored`, { hint: "pull the image again" });
      await applyVerified(layer, path, image.config.rootfs.diff_ids[i], (tar) => applyLayer(readTar(tar), { root: tmp, lowers: [], mode: "plain", sys, rootless: inUserNamespace() }));
    }
    if (mapping) shiftOwners(tmp, mapping.uidMappings, mapping.gidMappings);
    ownAsContainerRoot(tmp, mapping);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
