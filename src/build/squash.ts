/**
 * --squash: an image's layers as one layer, packed from their merged view (a read-only overlay of
 * the snapshots), with one history entry for it.
 */
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log.js";
import { MNT_DETACH, MS, type Sys } from "../sys/types.js";
import { chainIds } from "../image/digest.js";
import type { ImageConfig } from "../image/manifest.js";
import { MEDIA } from "../image/media.js";
import { commitBlob, hasBlob, type Descriptor } from "../image/store/blobs.js";
import { ingestDir, type StorePaths } from "../image/store/layout.js";
import { unpackLayer } from "../image/unpack.js";
import { snapshotFs } from "../snapshot/store.js";
import { packTree } from "../snapshot/tar/pack.js";
import { createHash } from "../util/crypto.js";
import { writeAllSync } from "../util/write.js";

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
    o.sys.mount("overlay", merged, "overlay", MS.RDONLY, `lowerdir=${[...lowers, empty].join(":")}`);
    mounted = true;
    const fd = openSync(tmp, "wx", 0o600);
    const hash = createHash("sha256");
    let size = 0;
    try {
      await packTree(merged, "", (chunk) => {
        hash.update(chunk);
        size += chunk.length;
        writeAllSync(fd, chunk);
      });
    } finally {
      closeSync(fd);
    }
    const digest = `sha256:${hash.digest("hex")}`;
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
