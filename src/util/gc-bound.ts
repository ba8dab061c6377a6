/**
 * Streams that allocate a fresh buffer per chunk (a download's, gunzip's output, a file's reads)
 * leave their garbage to the runtime's collector, which lets it pile up in a pull (bench/pull.sh,
 * the 111 MB image, peak anonymous memory: Bun 60-64 MB with no help, Node 99-100; podman's is 36).
 * A full collection every 8 MiB streamed, counted over all such streams of the process, keeps it
 * at Bun 37-39 MB (53 collections, 340 ms in all) and Node 64-70 MB (its major GC, 620 ms; a minor
 * one left 74 MB). Every 16 MiB: Bun 42-44 MB for 240 ms, Node 80 MB for 470 ms; on Bun every
 * 4 MiB gave 34 MB for 600 ms, and eden collections do not free the buffers (150-180 MB). Deno is
 * left to its own collector.
 */
const bun = (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun;
const isNode = !bun && !("Deno" in globalThis);

let nodeGc: (() => void) | undefined | null = null;
/** Node's collector, exposed after start (V8's --expose-gc) and taken from a fresh context; loaded once, on Node only. */
function nodeCollector(): (() => void) | undefined {
  if (nodeGc !== null) return nodeGc;
  nodeGc = undefined;
  try {
    const v8 = require("node:v8") as typeof import("node:v8");
    const vm = require("node:vm") as typeof import("node:vm");
    v8.setFlagsFromString("--expose-gc");
    nodeGc = vm.runInNewContext("gc") as () => void;
  } catch { /* no require (an ES module), or no such flag: leave it to the runtime */ }
  return nodeGc;
}

/** Bytes streamed through gcBounded since the last collection, by every stream of the process. */
let since = 0;

/** Passes `source` through unchanged, collecting the garbage every `every` bytes (of all such streams) on Bun and Node. */
export async function* gcBounded(source: AsyncIterable<Uint8Array>, every = 8 << 20, collect = bun ? () => bun.gc(true) : isNode ? nodeCollector() : undefined): AsyncGenerator<Uint8Array> {
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
