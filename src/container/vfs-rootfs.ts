/**
 * The vfs driver's container root: no overlay, a directory of the container's own under --root with
 * the image's layers applied one after another from their stored blobs ("plain" mode: whiteouts
 * delete, opaque directories empty, with the same rooted, never-follow writes as an unpack), made
 * once before the first start and kept with the container (its changes are written there). For
 * kernels or file systems where overlayfs is refused; it costs a full copy of the image per container.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { SkiffError } from "../errors.js";
import { findImage } from "../image/images.js";
import { blobPath } from "../image/store/layout.js";
import { compressionOf } from "../image/unpack.js";
import { decompress } from "../image/decompress.js";
import { applyLayer } from "../snapshot/apply.js";
import { readTar } from "../snapshot/tar/reader.js";
import type { Sys } from "../sys/types.js";
import { fileChunks } from "../util/file-chunks.js";
import { gcBounded } from "../util/gc-bound.js";
import { shiftOwners } from "../rootless/shifted.js";
import { toNamespace, type IdMapping } from "../rootless/keep-id.js";
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
    for (const layer of image.manifest.layers) {
      const path = blobPath(p, layer.digest);
      if (!existsSync(path)) throw new SkiffError("NOT_FOUND", `container ${rec.name}: layer ${layer.digest} of image ${rec.image.name} is not stored`, { hint: "pull the image again" });
      const tar = gcBounded(decompress(fileChunks(path), await compressionOf(layer, path)));
      await applyLayer(readTar(tar), { root: tmp, lowers: [], mode: "plain", sys, rootless: inUserNamespace() });
    }
    if (mapping) shiftOwners(tmp, mapping.uidMappings, mapping.gidMappings);
    // "/" as an overlay root has it (bundle.ts ROOT_MODE): root's, r-x for all
    chownSync(tmp, mapping ? toNamespace(mapping.uidMappings, 0) : 0, mapping ? toNamespace(mapping.gidMappings, 0) : 0);
    chmodSync(tmp, 0o555);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
