/**
 * Unpacking stored layer blobs into snapshots, in chain order, each layer once, its diffID hashed
 * while the bytes stream into the snapshot. Used by pull, import and load.
 */
import { createHash, type Hasher } from "../util/crypto.js";
import { fileChunks } from "../util/file-chunks.js";
import { gcBounded } from "../util/gc-bound.js";
import { SkiffError } from "../errors.js";
import type { Logger } from "../log.js";
import type { Sys } from "../sys/types.js";
import { applyLayer } from "../snapshot/apply.js";
import { ensureSnapshot, hasSnapshot, snapshotFs } from "../snapshot/store.js";
import { readTar } from "../snapshot/tar/reader.js";
import { decompress } from "./decompress.js";
import { chainIds, shortId } from "./digest.js";
import { layerCompression, sniffCompression, type Compression } from "./media.js";
import { blobPath, type StorePaths } from "./store/layout.js";
import type { Descriptor } from "./store/blobs.js";

export interface UnpackOptions {
  store: StorePaths;
  sys: Sys;
  log: Logger;
  rootless: boolean;
}

export { fileChunks };

async function* hashing(source: AsyncIterable<Uint8Array>, hash: Hasher) {
  for await (const c of source) {
    hash.update(c);
    yield c;
  }
}

export async function compressionOf(layer: Descriptor, path: string): Promise<Compression> {
  const kind = layerCompression(layer.mediaType);
  if (kind === "unsupported") throw new SkiffError("FAILED_PRECONDITION", `layer ${layer.digest}: unsupported media type ${layer.mediaType}`);
  if (kind !== "sniff") return kind;
  for await (const head of fileChunks(path)) return sniffCompression(head);
  return "none";
}

/** A stored layer blob's tar bytes, decompressed as its media type (or its first bytes) says. */
async function layerBytes(layer: Descriptor, path: string): Promise<AsyncIterable<Uint8Array>> {
  return decompress(fileChunks(path), await compressionOf(layer, path));
}

/**
 * `apply` given a stored layer's uncompressed bytes, hashed on the way: throws once they turn out
 * not to be the config's `diffId` (the blob's own digest was checked when it was stored; what it
 * unpacks to is checked here, as each unpack does).
 */
export async function applyVerified<T>(layer: Descriptor, path: string, diffId: string, apply: (tar: AsyncIterable<Uint8Array>) => Promise<T>): Promise<T> {
  const hash = createHash("sha256");
  const result = await apply(gcBounded(hashing(await layerBytes(layer, path), hash)));
  const actual = `sha256:${hash.digest("hex")}`;
  if (actual !== diffId) throw new SkiffError("FAILED_PRECONDITION", `layer ${layer.digest}: uncompressed digest ${actual} is not the config's ${diffId}`);
  return result;
}

/** Unpacks layer i (its blob stored, layers below it unpacked) unless its snapshot exists. Returns true if it unpacked. */
export async function unpackLayer(layers: Descriptor[], diffIds: string[], i: number, opts: UnpackOptions): Promise<boolean> {
  const { store, log } = opts;
  // a plain (vfs) store keeps the verified blobs only
  if (store.plain) return false;
  const chain = chainIds(diffIds);
  if (hasSnapshot(store, chain[i])) return false;
  const layer = layers[i];
  const lowers = chain.slice(0, i).reverse().map((c) => snapshotFs(store, c));
  return ensureSnapshot(store, { chainId: chain[i], diffId: diffIds[i], parent: chain[i - 1] }, async (fsDir) => {
    const t0 = performance.now();
    const stats = await applyVerified(layer, blobPath(store, layer.digest), diffIds[i], (tar) => applyLayer(readTar(tar), { root: fsDir, lowers, mode: "overlay", sys: opts.sys, log, rootless: opts.rootless }));
    log.debug(`layer ${shortId(layer.digest)}: unpacked ${stats.entries} entries, ${stats.bytes} bytes in ${Math.round(performance.now() - t0)} ms`);
    return { size: stats.bytes };
  });
}
