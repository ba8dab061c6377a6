/**
 * Opening a container's log file. Its path may be the user's (--log-opt path=) in a directory a
 * container can write (a volume): a symlink planted there must not make the shim append to a
 * host file or `logs` print one, so the last component is never followed and only a regular
 * file is used.
 */
import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { SkiffError } from "../errors.js";

function regular(fd: number, path: string): number {
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new SkiffError("FAILED_PRECONDITION", `log file ${path} is not a regular file`);
  }
  return fd;
}

/** For appending, created 0600 when missing. */
export function openLogForAppend(path: string): number {
  return regular(openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600), path);
}

/** For reading; undefined when there is no log (yet). */
export function openLogForRead(path: string): number | undefined {
  try {
    return regular(openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw new SkiffError("FAILED_PRECONDITION", `log file ${path} is a symbolic link`);
    throw err;
  }
}
