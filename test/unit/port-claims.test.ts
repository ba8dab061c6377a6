/** Host ports for -p: a kernel-picked port someone takes before the check is picked again. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SkiffError } from "../../src/errors.js";
import { assignPorts } from "../../src/network/port-claims.js";
import type { PortMapping } from "../../src/network/ports.js";

const mapping = (hostPort: number, containerPort: number): PortMapping => ({ hostIp: "", hostPort, containerPort, protocol: "tcp" });
const picker = (ports: number[]) => async () => ports.shift()!;
const takenWhen = (busy: Set<number>) => async (a: PortMapping[]) => { const i = a.findIndex((p) => busy.has(p.hostPort)); return i < 0 ? undefined : i; };

describe("published host ports", () => {
  it("picks a random port again when the one picked was taken before it was checked", async () => {
    const got = await assignPorts([mapping(8081, 81), mapping(0, 80)], picker([40001, 40002, 40003]), takenWhen(new Set([40001, 40002])));
    assert.deepEqual(got.map((p) => p.hostPort), [8081, 40003]);
  });

  it("fails at once, with podman's words and status, for a port the user named", async () => {
    let picks = 0;
    const pick = async () => 40000 + ++picks;
    await assert.rejects(assignPorts([mapping(0, 80), mapping(8080, 81)], pick, takenWhen(new Set([8080]))), (e: SkiffError) => {
      assert.equal(e.message, "cannot listen on the TCP port: listen tcp4 :8080: bind: address already in use");
      assert.equal(e.exitCode, 126);
      return true;
    });
    assert.equal(picks, 1, "a named port in use is not worth a second pick");
  });

  it("gives up on random ports after a few tries", async () => {
    let picks = 0;
    await assert.rejects(assignPorts([mapping(0, 80)], async () => { picks++; return 40000; }, takenWhen(new Set([40000]))), /listen tcp4 :40000: bind: address already in use/);
    assert.equal(picks, 5);
  });
});
