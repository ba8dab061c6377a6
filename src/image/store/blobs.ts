/**
 * Content-addressed blobs. Bytes are hashed as they are written to ingest/, checked against the
 * expected size and digest, and only then renamed into blobs/: a half-written or wrong blob is
 * never visible under its digest. Reads of small blobs (manifests, configs) are verified again.
 */
import { createHash } from "../../util/crypto.js";
import { closeSync, createReadStream, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { SkiffError, errnoCode } from "../../errors.js";
import { parseDigest } from "../digest.js";
import { fsyncDir } from "../../util/atomic.js";
import { writeAllSync } from "../../util/write.js";
import { gcBounded } from "../../util/gc-bound.js";
import { blobPath, blobsDir, ingestDir, type StorePaths } from "./layout.js";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string };
  urls?: string[];
}

/** Manifests and configs larger than this are refused (containers/image uses 4 MiB too). */
export const MAX_METADATA_SIZE = 4 * 1024 * 1024;

export function checkDescriptor(d: Descriptor, what: string): void {
  parseDigest(d.digest);
  if (!Number.isSafeInteger(d.size) || d.size < 0) throw new SkiffError("INVALID_ARGUMENT", `${what} ${d.digest}: invalid size ${d.size}`);
}

export function hasBlob(s: StorePaths, digest: string, size?: number): boolean {
  try {
    const st = statSync(blobPath(s, digest));
    return size === undefined || st.size === size;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return false;
    throw err;
  }
}

function mismatch(what: string, expected: Descriptor, got: string): SkiffError {
  return new SkiffError("FAILED_PRECONDITION", `${what} ${expected.digest}: ${got}`, { hint: "the registry or a proxy sent corrupt data; pull again" });
}

/**
 * Streams `source` into a new file in ingest/, hashing as it goes; `check` sees the running size
 * (and may throw) before each chunk is written, and the final size and digest before the file is
 * synced. Returns the temp file; on any failure the file is gone.
 */
async function ingestToTemp(
  s: StorePaths,
  source: AsyncIterable<Uint8Array>,
  algorithm: "sha256" | "sha512",
  check: (size: number, digest?: string) => void,
): Promise<{ tmp: string; digest: string; size: number }> {
  const tmp = join(ingestDir(s), `${process.pid}.${Math.random().toString(36).slice(2)}`);
  const fd = openSync(tmp, "wx", 0o600);
  const hash = createHash(algorithm);
  let size = 0;
  try {
    for await (const chunk of gcBounded(source)) {
      size += chunk.length;
      check(size);
      hash.update(chunk);
      writeAllSync(fd, chunk);
    }
    const digest = `${algorithm}:${hash.digest("hex")}`;
    check(size, digest);
    fsyncSync(fd);
    closeSync(fd);
    return { tmp, digest, size };
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Renames a verified temp file (on the store's filesystem) into blobs/ and syncs the directory. */
export function commitBlob(s: StorePaths, tmp: string, digest: string): string {
  const target = blobPath(s, digest);
  renameSync(tmp, target);
  fsyncDir(blobsDir(s));
  return target;
}

/**
 * Streams `source` into the store as `expected`. Stops as soon as the data exceeds the expected
 * size; verifies the digest at the end. Returns the blob's path. An existing blob is kept.
 */
export async function ingestBlob(
  s: StorePaths,
  expected: Descriptor,
  source: AsyncIterable<Uint8Array>,
  what = "blob",
  onBytes?: (n: number) => void,
): Promise<string> {
  checkDescriptor(expected, what);
  const { tmp, digest } = await ingestToTemp(s, source, parseDigest(expected.digest).algorithm, (size, got) => {
    if (size > expected.size) throw mismatch(what, expected, `more than the expected ${expected.size} bytes`);
    if (got === undefined) return onBytes?.(size);
    if (size !== expected.size) throw mismatch(what, expected, `${size} bytes instead of ${expected.size}`);
    if (got !== expected.digest) throw mismatch(what, expected, `content has digest ${got}`);
  });
  return commitBlob(s, tmp, digest);
}

export async function putBlob(s: StorePaths, expected: Descriptor, data: Uint8Array, what: string): Promise<string> {
  if (hasBlob(s, expected.digest, expected.size)) return blobPath(s, expected.digest);
  return ingestBlob(s, expected, (async function* () { yield data; })(), what);
}

/** A small blob from the store, verified again (never trust bytes at rest either). */
export function readBlob(s: StorePaths, digest: string, what = "blob", max = MAX_METADATA_SIZE): Buffer {
  const { algorithm } = parseDigest(digest);
  let data: Buffer;
  try {
    const st = statSync(blobPath(s, digest));
    if (st.size > max) throw new SkiffError("FAILED_PRECONDITION", `${what} ${digest}: ${st.size} bytes is more than ${max}`);
    data = readFileSync(blobPath(s, digest));
  } catch (err) {
    if (errnoCode(err) === "ENOENT") throw new SkiffError("NOT_FOUND", `${what} ${digest}: not in the store`, { cause: err });
    throw err;
  }
  const got = `${algorithm}:${createHash(algorithm).update(data).digest("hex")}`;
  if (got !== digest) throw new SkiffError("FAILED_PRECONDITION", `${what} ${digest}: stored content has digest ${got}`, { hint: "the store is damaged; remove the image and pull it again" });
  return data;
}

/** Streams `source` into the store when its digest is not known in advance; returns its descriptor. */
export async function ingestComputed(s: StorePaths, source: AsyncIterable<Uint8Array>, mediaType: string): Promise<Descriptor> {
  const { tmp, digest, size } = await ingestToTemp(s, source, "sha256", () => {});
  commitBlob(s, tmp, digest);
  return { mediaType, digest, size };
}

/** Moves a file (on the store's filesystem) into the store under its digest; checks `expected` if given. */
export async function adoptFile(s: StorePaths, path: string, expected?: string): Promise<{ digest: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(c as Uint8Array);
    size += (c as Uint8Array).length;
  }
  const digest = `sha256:${hash.digest("hex")}`;
  if (expected && digest !== expected) throw new SkiffError("FAILED_PRECONDITION", `blob ${expected}: content has digest ${digest}`);
  if (hasBlob(s, digest, size)) rmSync(path, { force: true });
  else renameSync(path, blobPath(s, digest));
  return { digest, size };
}
