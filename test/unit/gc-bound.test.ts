/** gcBounded: bytes pass through unchanged, and the collector runs once per `every` bytes of all streams. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gcBounded } from "../../src/util/gc-bound.js";

async function* chunks(sizes: number[], fill: number) {
  for (const n of sizes) yield new Uint8Array(n).fill(fill);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const c of source) out.push(...c);
  return out;
}

describe("gcBounded", () => {
  it("passes the bytes through and collects every `every` bytes, counted across streams", async () => {
    let runs = 0;
    const gc = () => { runs++; };
    // 10 + 10 + 5 bytes at every 8: a collection after the 10 and after the next 10; 5 are left over
    const a = await collect(gcBounded(chunks([10, 10, 5], 1), 8, gc));
    assert.deepEqual([a.length, a.every((b) => b === 1), runs], [25, true, 2]);
    // a second stream carries on from the 5: 3 more bytes make 8
    const b = await collect(gcBounded(chunks([3, 1], 2), 8, gc));
    assert.deepEqual([b, runs], [[2, 2, 2, 2], 3]);
  });

  it("passes the bytes through unchanged with the runtime's own collector (Node's exposed gc, or none on Deno)", async () => {
    const out = await collect(gcBounded(chunks([4, 4], 7), 1, undefined));
    assert.deepEqual(out, [7, 7, 7, 7, 7, 7, 7, 7]);
  });
});
