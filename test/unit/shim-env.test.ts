import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { shimEnv } from "../../src/shim/launch.js";

describe("a Bun shim's environment", () => {
  it("looks at the GC every 10 s and starts no allocator, JIT, marking or block warm-up threads unless the user said otherwise, and keeps everything else", () => {
    assert.deepEqual(shimEnv({ PATH: "/bin", HOME: "/root" }), { BUN_GC_TIMER_INTERVAL: "10000", MIMALLOC_SCAVENGER: "0", BUN_JSC_useConcurrentJIT: "0", BUN_JSC_numberOfGCMarkers: "1", BUN_JSC_useWarmUpMarkedBlocks: "0", BUN_JSC_thresholdForJITAfterWarmUp: "1000000", BUN_JSC_thresholdForJITSoon: "1000000", BUN_JSC_forceCodeBlockToJettisonDueToOldAge: "1", PATH: "/bin", HOME: "/root" });
    assert.equal(shimEnv({ BUN_GC_TIMER_INTERVAL: "2000" }).BUN_GC_TIMER_INTERVAL, "2000");
    assert.equal(shimEnv({ MIMALLOC_SCAVENGER: "1" }).MIMALLOC_SCAVENGER, "1");
    assert.equal(shimEnv({ BUN_JSC_useConcurrentJIT: "1" }).BUN_JSC_useConcurrentJIT, "1");
    assert.equal(shimEnv({ BUN_JSC_useWarmUpMarkedBlocks: "1" }).BUN_JSC_useWarmUpMarkedBlocks, "1");
  });
});
