import { readSync, writeSync } from "node:fs";

/** Writes all of `bytes` to a blocking fd (write(2) may take fewer bytes than asked). */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Reads up to `size` bytes from the start of `fd`; fewer when the file is shorter by now. */
export function readUpToSync(fd: number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  let n = 0;
  while (n < size) {
    const got = readSync(fd, buf, n, size - n, n);
    if (got === 0) break;
    n += got;
  }
  return buf.subarray(0, n);
}
