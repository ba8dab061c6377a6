/**
 * Writes that others may read happen atomically: a temp file in the same directory, fsync, rename
 * over the target, fsync of the directory. A crash leaves the old file or the new one, never half.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
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
 * nothing is forced to disk: for files rebuilt at every start or kept on tmpfs anyway.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, durable = true): void {
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
