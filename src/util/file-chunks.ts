/** A file's bytes in 1 MiB chunks, optionally only bytes start..end (end exclusive). */
import { createReadStream } from "node:fs";

export async function* fileChunks(path: string, start?: number, end?: number): AsyncGenerator<Uint8Array> {
  if (end !== undefined && end <= (start ?? 0)) return;
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20, start, end: end === undefined ? undefined : end - 1 })) yield c as Uint8Array;
}
