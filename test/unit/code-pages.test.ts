import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cleanProgramRanges, dropCodePagesFrom, secondDropIn } from "../../src/sys/code-pages.js";

const mapping = (range: string, perms: string, path: string, fields: Record<string, number> = {}) =>
  [`${range} ${perms} 00004000 fe:00 260368                     ${path}`, ...Object.entries({ Rss: 688, Private_Dirty: 0, Anonymous: 0, ...fields }).map(([k, v]) => `${k}:${" ".repeat(16 - k.length)}${v} kB`)].join("\n");

describe("a shim's start-up code given back", () => {
  it("takes the program's clean text and read-only data mappings only", () => {
    const smaps = [
      mapping("400000-401000", "r--p", "/usr/bin/skiff"),
      mapping("401000-4ff000", "r-xp", "/usr/bin/skiff"),
      mapping("4ff000-500000", "r-xp", "/usr/bin/skiff", { Private_Dirty: 4, Anonymous: 4 }), // patched: its changes would go
      mapping("7f40000000-7f40002000", "r-xp", "/usr/bin/skiff", { Private_Dirty: 8 }), // written lately: the page cache's dirty pages
      mapping("500000-510000", "rw-p", "/usr/bin/skiff"), // writable: a write may come between look and drop
      mapping("510000-520000", "r--p", "/usr/bin/skiff", { Anonymous: 4 }), // relocated
      mapping("7f00000000-7f00001000", "r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
      mapping("7f10000000-7f10002000", "r-xp", "/usr/bin/skiff", { Anonymous: 8 }),
      mapping("7f20000000-7f20004000", "r-xp", "/usr/bin/skiff (deleted)"),
      mapping("7f30000000-7f30001000", "r-xp", "/usr/bin/skiff"),
    ].join("\n");
    assert.deepEqual(cleanProgramRanges(smaps, "/usr/bin/skiff"), [[0x400000n, 0x401000n], [0x401000n, 0x4ff000n], [0x7f40000000n, 0x7f40002000n], [0x7f30000000n, 0x7f30001000n]]);
    assert.deepEqual(cleanProgramRanges(smaps, "/usr/bin/other"), []);
    assert.deepEqual(cleanProgramRanges("", "/usr/bin/skiff"), []);
  });
});

describe("when a waiting shim gives its code back", () => {
  it("once after the first delay, then every period", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
    const at: number[] = [];
    let now = 0;
    dropCodePagesFrom(2000, 60_000, () => at.push(now));
    for (const step of [1999, 1, 59_999, 1, 60_000, 60_000]) {
      now += step;
      t.mock.timers.tick(step);
    }
    assert.deepEqual(at, [2000, 62_000, 122_000, 182_000]);
  });
});

describe("when a checking shim gives its code back once more", () => {
  it("12 s after a probe whose next is at least 14 s away, never when the next comes first or soon after", () => {
    assert.equal(secondDropIn(30_000), 12_000);
    assert.equal(secondDropIn(14_000), 12_000);
    for (const next of [1000, 5000, 12_000, 13_999]) assert.equal(secondDropIn(next), undefined, `next probe in ${next} ms`);
  });
});
