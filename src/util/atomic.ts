/**
 * Writes that others may read happen atomically: a temp file in the same directory, fsync, rename
 * over the target, fsync of the directory. A crash leaves the old file or the new one, never half.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { errnoCode } from "../errors.js";
import { releaseReserve } from "./reserve.js";
import { writeAllSync } from "./write.js";

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * With `durable` false the rename is still atomic (readers see the old file or the new one) but
 * nothing is forced to disk: for files rebuilt at every start or kept on tmpfs anyway. With
 * `useReserve`, a full disk frees the store's reserve (util/reserve.ts) and tries again.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, durable = true, useReserve = false): void {
  try {
    writeOnce(path, data, mode, durable);
  } catch (err) {
    // a full disk: the store's reserve makes room for the writes that must not fail (a
    // container's state as it is stopped, exits or is removed); nothing else may take it
    if (!useReserve || errnoCode(err) !== "ENOSPC" || !releaseReserve(path)) throw err;
    writeOnce(path, data, mode, durable);
  }
}

function writeOnce(path: string, data: string | Uint8Array, mode: number, durable: boolean): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const fd = openSync(tmp, "wx", mode);
  try {
    writeAllSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    if (durable) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  if (durable) fsyncDir(dirname(path));
}
