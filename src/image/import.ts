/**
 * `import`: a root filesystem tarball (plain, gzip or zstd; a file or stdin) becomes a one-layer
 * image. The decompressed tar is stored as an uncompressed layer, so its digest is its diffID and
 * one pass both hashes and stores it; the snapshot is then unpacked from the stored blob.
 */
import { SkiffError, errnoCode } from "../errors.js";
import type { Logger } from "../log.js";
import type { Sys } from "../sys/types.js";
import { applyChanges } from "./changes.js";
import { autoDecompress } from "./decompress.js";
import { holdStoreShared } from "./gc.js";
import { MEDIA } from "./media.js";
import type { Platform } from "./platform.js";
import { tagName } from "./remove.js";
import { ensureLayout, type StorePaths } from "./store/layout.js";
import { fileChunks, unpackLayer } from "./unpack.js";
import { ingestComputed } from "./store/blobs.js";
import { writeImage } from "./write.js";
import type { ImageConfig } from "./manifest.js";

export interface ImportOptions {
  store: StorePaths;
  /** A path, or "-" for stdin. */
  source: string;
  name?: string;
  changes: string[];
  message?: string;
  platform: Platform;
  sys: Sys;
  log: Logger;
  rootless: boolean;
  stdin?: AsyncIterable<Uint8Array>;
}

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

async function* userFile(path: string): AsyncGenerator<Uint8Array> {
  try {
    yield* fileChunks(path);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") throw new SkiffError("NOT_FOUND", `import ${path}: no such file`);
    if (errnoCode(err) === "EISDIR") throw new SkiffError("INVALID_ARGUMENT", `import ${path}: is a directory`, { hint: "give a tar archive, or - for stdin" });
    if (errnoCode(err) === "EACCES") throw new SkiffError("PERMISSION_DENIED", `import ${path}: permission denied`);
    throw err;
  }
}

export async function importImage(opts: ImportOptions): Promise<{ id: string; name?: string }> {
  const { store } = opts;
  const name = opts.name ? tagName(opts.name) : undefined;
  const settings = applyChanges({ Env: [DEFAULT_PATH] }, opts.changes);
  ensureLayout(store);
  const hold = await holdStoreShared(store);
  try {
    const input = opts.source === "-" ? (opts.stdin ?? (process.stdin as AsyncIterable<Uint8Array>)) : userFile(opts.source);
    const layer = await ingestComputed(store, await autoDecompress(input, "import"), MEDIA.ociLayer);
    const diffId = layer.digest;
    await unpackLayer([layer], [diffId], 0, { store, sys: opts.sys, log: opts.log, rootless: opts.rootless });
    const created = new Date().toISOString();
    const config: ImageConfig = {
      architecture: opts.platform.architecture,
      os: opts.platform.os,
      ...(opts.platform.variant ? { variant: opts.platform.variant } : {}),
      created,
      config: settings,
      rootfs: { type: "layers", diff_ids: [diffId] },
      history: [{ created, created_by: `skiff import ${opts.source === "-" ? "(stdin)" : opts.source}`, ...(opts.message ? { comment: opts.message } : {}) }],
    };
    const { id } = await writeImage(store, config, [layer], name ? [name] : []);
    return { id, name };
  } finally {
    hold.release();
  }
}
