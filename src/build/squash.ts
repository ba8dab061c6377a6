/**
 * --squash: an image's layers as one layer, packed from their merged view (a read-only overlay of
 * the snapshots), with one history entry for it.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log.js";
import { MNT_DETACH, MS, type Sys } from "../sys/types.js";
import { chainIds } from "../image/digest.js";
import type { ImageConfig } from "../image/manifest.js";
import { MEDIA } from "../image/media.js";
import { commitBlob, hasBlob, type Descriptor } from "../image/store/blobs.js";
import { ingestDir, type StorePaths } from "../image/store/layout.js";
import { applyVerified, unpackLayer } from "../image/unpack.js";
import { blobPath } from "../image/store/layout.js";
import { applyLayer } from "../snapshot/apply.js";
import { readTar } from "../snapshot/tar/reader.js";
import { layerFromUpper } from "./layer.js";
import { snapshotFs } from "../snapshot/store.js";
import { packTree } from "../snapshot/tar/pack.js";
import { writeHashed } from "../snapshot/changeset.js";
import { overlayData } from "../rootless/userns.js";

/**
 * --squash: the layers above the first `keep` as one layer. They are applied in order into one
 * upper dir over the kept layers (whiteouts and opaque directories as the kernel writes them), and
 * that upper dir is packed as a changeset of the kept layers.
 */
export async function squashNew(s: StorePaths, config: ImageConfig, layers: Descriptor[], keep: number, o: { sys: Sys; log: Logger; rootless: boolean }): Promise<{ config: ImageConfig; layers: Descriptor[] }> {
  if (keep <= 0) return squashImage(s, config, o);
  if (layers.length - keep <= 1) return { config, layers };
  const base = config.rootfs.diff_ids.slice(0, keep);
  const lowers = chainIds(base).reverse().map((c) => snapshotFs(s, c));
  const upper = mkdtempSync(join(ingestDir(s), `${process.pid}.squash-upper.`));
  try {
    chmodSync(upper, 0o555);
    for (let i = keep; i < layers.length; i++) {
      await applyVerified(layers[i], blobPath(s, layers[i].digest), config.rootfs.diff_ids[i], (tar) => applyLayer(readTar(tar), { root: upper, lowers, mode: "overlay", sys: o.sys, log: o.log, rootless: o.rootless }));
    }
    const made = await layerFromUpper({ store: s, sys: o.sys, log: o.log, rootless: o.rootless, upper, base, mountpoints: [], move: true, keepEmpty: true });
    const history = [...(config.history ?? []).slice(0, historyIndex(config, keep)), { created: config.created, created_by: "skiff build --squash" }];
    return { config: { ...config, rootfs: { type: "layers", diff_ids: [...base, made!.diffId] }, history }, layers: [...layers.slice(0, keep), made!.layer] };
  } finally {
    rmSync(upper, { recursive: true, force: true });
  }
}

/** The number of history entries that belong to the first `keep` layers (empty-layer entries between them included). */
function historyIndex(config: ImageConfig, keep: number): number {
  let layers = 0;
  const h = config.history ?? [];
  for (let i = 0; i < h.length; i++) {
    if (!h[i].empty_layer) layers++;
    if (layers > keep) return i;
  }
  return h.length;
}

export async function squashImage(s: StorePaths, config: ImageConfig, o: { sys: Sys; log: Logger; rootless: boolean }): Promise<{ config: ImageConfig; layers: Descriptor[] }> {
  const lowers = chainIds(config.rootfs.diff_ids).reverse().map((c) => snapshotFs(s, c));
  const dir = mkdtempSync(join(ingestDir(s), `${process.pid}.squash.`));
  const merged = join(dir, "merged"), empty = join(dir, "empty");
  mkdirSync(merged);
  mkdirSync(empty);
  const tmp = join(dir, "layer.tar");
  let mounted = false;
  try {
    // overlay needs two lower dirs when it has no upper
    o.sys.mount("overlay", merged, "overlay", MS.RDONLY, overlayData([`lowerdir=${[...lowers, empty].join(":")}`]));
    mounted = true;
    const { digest, size } = await writeHashed(tmp, (sink) => packTree(merged, "", sink));
    if (hasBlob(s, digest, size)) rmSync(tmp);
    else commitBlob(s, tmp, digest);
    const layer: Descriptor = { mediaType: MEDIA.ociLayer, digest, size };
    await unpackLayer([layer], [digest], 0, { store: s, sys: o.sys, log: o.log, rootless: o.rootless });
    const last = config.history?.[config.history.length - 1];
    return {
      config: { ...config, rootfs: { type: "layers", diff_ids: [digest] }, history: [{ ...(last ?? {}), created: config.created, empty_layer: undefined }] },
      layers: [layer],
    };
  } finally {
    if (mounted) o.sys.umount(merged, MNT_DETACH);
    rmdirSync(merged);
    rmSync(dir, { recursive: true, force: true });
  }
}
