/**
 * Room kept for the writes that must not fail when a disk is full: the state of a container being
 * stopped or removed (its log may be what filled the disk). A file of RESERVE_BYTES sits at the
 * top of the store; a write that meets ENOSPC deletes it and tries once more, and the next
 * container create puts it back when there is room again.
 */
import { closeSync, existsSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { errnoCode } from "../errors.js";

export const RESERVE_NAME = ".skiff-reserve";
const RESERVE_BYTES = 1 << 20;

/** Makes the reserve in `root` when it is missing and there is room for it. */
export function ensureReserve(root: string): void {
  const path = join(root, RESERVE_NAME);
  if (existsSync(path)) return;
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, "wx", 0o600);
    try {
      const zeros = Buffer.alloc(64 << 10);
      for (let n = 0; n < RESERVE_BYTES; n += zeros.length) writeSync(fd, zeros);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    if (errnoCode(err) !== "ENOSPC" && errnoCode(err) !== "EDQUOT" && errnoCode(err) !== "ENOENT") throw err;
  }
}

/** Deletes the reserve of the store holding `path` (the nearest ancestor that has one); true when one was freed. */
export function releaseReserve(path: string): boolean {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const candidate = join(dir, RESERVE_NAME);
    if (existsSync(candidate)) {
      rmSync(candidate, { force: true });
      return true;
    }
    if (dirname(dir) === dir) return false;
  }
}
