/**
 * Streams that allocate a fresh buffer per chunk (a download's, gunzip's output, a file's reads)
 * leave their garbage to the runtime's collector, and Bun's let it reach 60 MB in a pull before
 * running (bench/pull.sh, the 111 MB image: peak anonymous memory 60-64 MB with no help; podman's
 * is 36). A full collection every 8 MiB streamed, counted over all such streams of the process,
 * keeps it at 36-37 MB for ~55 collections of ~5.5 ms each; every 4 MiB gave 34 MB for twice the
 * time, every 16 MiB 42-44 MB; eden collections do not free the buffers (worse: 150-180 MB).
 * Node and Deno are left to their own collectors.
 */
const bun = (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun;

/** Bytes streamed through gcBounded since the last collection, by every stream of the process. */
let since = 0;

/** Passes `source` through unchanged, collecting the garbage every `every` bytes (of all such streams) on Bun. */
export async function* gcBounded(source: AsyncIterable<Uint8Array>, every = 8 << 20, collect = bun ? () => bun.gc(true) : undefined): AsyncGenerator<Uint8Array> {
  if (!collect) return yield* source;
  for await (const chunk of source) {
    since += chunk.length;
    if (since >= every) {
      since = 0;
      collect();
    }
    yield chunk;
  }
}
