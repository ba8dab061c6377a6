import { writeSync } from "node:fs";

/** Writes all of `bytes` to a blocking fd (write(2) may take fewer bytes than asked). */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}
