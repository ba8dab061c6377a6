/**
 * Small files named by the user (--env-file, --label-file, …): a regular file of bounded size, read
 * without blocking. A FIFO would block forever, /dev/zero would never end: both are refused.
 */
import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { readUpToSync } from "./write.js";
import { SkiffError, errnoCode } from "../errors.js";

export const MAX_SMALL_FILE = 16 << 20;

export function readSmallFile(path: string, what: string, maxBytes = MAX_SMALL_FILE): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new SkiffError("NOT_FOUND", `${what} "${path}": ${errnoCode(err) === "ENOENT" ? "no such file or directory" : errnoCode(err) ?? String(err)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new SkiffError("INVALID_ARGUMENT", `${what} "${path}": is a directory`);
    if (!st.isFile()) throw new SkiffError("INVALID_ARGUMENT", `${what} "${path}": not a regular file`);
    if (st.size > maxBytes) throw new SkiffError("INVALID_ARGUMENT", `${what} "${path}": larger than ${maxBytes} bytes`);
    return readUpToSync(fd, st.size).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
