/** Pure decisions behind running real images: capabilities, sysctls, names, shim liveness. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { boundingCapsFromStatus, parseSysctls } from "../../src/spec/values.js";
import { ALL_CAPS } from "../../src/spec/defaults.js";
import { withCapabilities } from "../../src/spec/build.js";
import { NAME_COUNT, generatedName } from "../../src/container/names.js";
import { bootId, procStartTime, shimAlive } from "../../src/container/liveness.js";
import { INITIAL_STATE } from "../../src/container/record.js";
import { SkiffError } from "../../src/errors.js";
import type { Spec } from "../../src/spec/types.js";

describe("values for real images", () => {
  it("gives --privileged only the capabilities of the bounding set", () => {
    // this machine's sandbox: every capability but CAP_SYS_RESOURCE (bit 24)
    const caps = boundingCapsFromStatus("Name:\tx\nCapBnd:\t000001fffeffffff\n");
    assert.equal(caps.length, ALL_CAPS.length - 1);
    assert.ok(!caps.includes("CAP_SYS_RESOURCE"));
    assert.deepEqual(boundingCapsFromStatus("no such line"), ALL_CAPS);
    const spec = { process: {} } as unknown as Spec;
    withCapabilities(["all"], [], false, caps)(spec);
    assert.deepEqual(spec.process.capabilities!.bounding, caps);
  });

  it("accepts namespaced sysctls only, and net.* only off the host's network", () => {
    assert.deepEqual(parseSysctls(["net.ipv4.ip_unprivileged_port_start=80", "kernel.shmmax=1000", "fs.mqueue.msg_max=20"], false),
      { "net.ipv4.ip_unprivileged_port_start": "80", "kernel.shmmax": "1000", "fs.mqueue.msg_max": "20" });
    for (const [entry, host] of [["kernel.panic=1", false], ["net.ipv4.ip_forward=1", true], ["noequals", false], ["=1", false]] as const) {
      assert.throws(() => parseSysctls([entry], host), SkiffError, entry);
    }
  });

  it("draws generated names from about as many as podman has", () => {
    assert.ok(NAME_COUNT >= 25000, String(NAME_COUNT));
    const drawn = new Set(Array.from({ length: 300 }, generatedName));
    assert.ok(drawn.size > 290, `${drawn.size} distinct of 300`);
    for (const n of drawn) assert.match(n, /^[a-z]+_[a-z]+$/);
  });

  it("never takes a dead shim for a live one, with or without a recorded start time", () => {
    const dead = 2 ** 22 + 17; // above pid_max: no such process
    const base = { ...INITIAL_STATE, status: "running" as const, bootId: bootId() };
    assert.equal(shimAlive({ ...base, shimPid: dead }), false);
    assert.equal(shimAlive({ ...base, shimPid: dead, shimStart: undefined }), false);
    assert.equal(shimAlive({ ...base, shimPid: process.pid, shimStart: procStartTime(process.pid) }), true);
    assert.equal(shimAlive({ ...base, shimPid: process.pid, shimStart: 1 }), false);
  });
});
