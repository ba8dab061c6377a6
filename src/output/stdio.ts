/**
 * stdout and stderr as plain file descriptors. In a Bun executable, touching process.stdout costs
 * ~14 ms of start-up (it builds a tty stream); a blocking write(2) per chunk is all a CLI needs.
 */
import { fstatSync, writeSync } from "node:fs";
import type { OutStream } from "../log.js";

/** Linux terminal majors: 4 (tty, console), 5 (/dev/tty, ptmx), 136–143 (pts). /dev/null is 1. */
export function isTerminalDevice(isCharDevice: boolean, rdev: number): boolean {
  if (!isCharDevice) return false;
  // glibc's major(): bits 8–19, and bits 32+ for large numbers (a JS shift by 32 shifts by 0)
  const major = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  return major === 4 || major === 5 || (major >= 136 && major <= 143);
}

/** Whether `fd` is a terminal; false when it cannot be inspected. */
export function isTerminalFd(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return isTerminalDevice(st.isCharacterDevice(), st.rdev);
  } catch {
    return false;
  }
}

// made on first need: a SharedArrayBuffer costs every command ~1 ms to create (Bun, measured)
let pause: Int32Array | undefined;

export interface FdStream extends OutStream {
  readonly fd: number;
  readonly isTTY: boolean;
}

/** A writer on `fd`. A closed pipe (EPIPE) ends the process quietly, as SIGPIPE would. */
export function fdStream(fd: number): FdStream {
  let tty: boolean | undefined;
  return {
    fd,
    get isTTY() {
      tty ??= isTerminalFd(fd);
      return tty;
    },
    write(chunk: string | Uint8Array) {
      let buf = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      while (buf.length > 0) {
        try {
          buf = buf.subarray(writeSync(fd, buf));
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "EAGAIN") Atomics.wait((pause ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, 1);
          else if (code === "EPIPE") process.exit(process.exitCode ?? 0);
          else throw err;
        }
      }
      return true;
    },
  };
}
