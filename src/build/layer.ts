/**
 * The last step of commit and of every build step that changes files: a container's upper dir
 * becomes a layer blob (uncompressed: its digest is its diffID) and a snapshot above its base.
 */
import { join } from "node:path";
import { rmSync } from "node:fs";
import type { Logger } from "../log.js";
import type { Sys } from "../sys/types.js";
import { chainIds } from "../image/digest.js";
import { MEDIA } from "../image/media.js";
import { commitBlob, hasBlob, type Descriptor } from "../image/store/blobs.js";
import { ensureLayout, ingestDir, type StorePaths } from "../image/store/layout.js";
import { unpackLayer } from "../image/unpack.js";
import { moveUpperInto, treeSize, writeChangeset } from "../snapshot/changeset.js";
import { ensureSnapshot, snapshotFs } from "../snapshot/store.js";
import { END_OF_ARCHIVE } from "../snapshot/tar/writer.js";

export interface LayerInputs {
  store: StorePaths;
  sys: Sys;
  log: Logger;
  rootless: boolean;
  upper: string;
  /** The diffIDs below the new layer. */
  base: string[];
  mountpoints: string[];
  timestamp?: { seconds: number; clamp: boolean };
  /** The upper dir is no longer in use: it becomes the snapshot as it is (else the layer is unpacked). */
  move: boolean;
  /** Make a layer even when nothing changed (commit does, a build step does not). */
  keepEmpty?: boolean;
}

export interface NewLayer { layer: Descriptor; diffId: string }

/** The layer, or undefined when nothing changed and `keepEmpty` is not set. */
export async function layerFromUpper(i: LayerInputs): Promise<NewLayer | undefined> {
  ensureLayout(i.store);
  const lowers = chainIds(i.base).reverse().map((c) => snapshotFs(i.store, c));
  const tmp = join(ingestDir(i.store), `${process.pid}.layer.${Math.random().toString(36).slice(2)}`);
  const { digest, size, stubs } = await writeChangeset(i.upper, tmp, { lowers, mountpoints: i.mountpoints, timestamp: i.timestamp, sys: i.sys });
  if (size === END_OF_ARCHIVE.length && !i.keepEmpty) {
    rmSync(tmp, { force: true });
    return undefined;
  }
  if (hasBlob(i.store, digest, size)) rmSync(tmp, { force: true });
  else commitBlob(i.store, tmp, digest);
  const layer: Descriptor = { mediaType: MEDIA.ociLayer, digest, size };
  const diffIds = [...i.base, digest];
  const chain = chainIds(diffIds);
  if (i.move) {
    await ensureSnapshot(i.store, { chainId: chain[chain.length - 1], diffId: digest, parent: chain[chain.length - 2] }, async (fsDir) => {
      moveUpperInto(i.upper, stubs, fsDir);
      return { size: treeSize(fsDir) };
    });
  } else {
    const layers: Descriptor[] = diffIds.map((d) => ({ mediaType: MEDIA.ociLayer, digest: d, size: 0 }));
    layers[layers.length - 1] = layer;
    await unpackLayer(layers, diffIds, diffIds.length - 1, { store: i.store, sys: i.sys, log: i.log, rootless: i.rootless });
  }
  return { layer, diffId: digest };
}
