/** bench/compat.ts's idea of "behaves the same": what it normalises away, and what it still sees. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonShape, normalise } from "../../bench/compat/compare.js";

describe("compat comparison", () => {
  it("makes ids, times, durations, sizes, the engine's port and padding the same", () => {
    const podman = "8c0be2c823e9  localhost/bb:latest  2 minutes ago  Up 2 minutes ago  127.0.0.1:40001->80/tcp  c1\n";
    const skiff = "0123456789ab   localhost/bb:latest   About a minute ago   Up 59 seconds ago   127.0.0.1:40002->80/tcp   c1\n";
    assert.equal(normalise(podman, "40001"), normalise(skiff, "40002"));
    assert.equal(normalise("2026-12-01T17:44:51.59845422Z 1.9 MB\n", "40001"), "<TIME> <SIZE>\n");
    // a different name, status or port mapping is still a difference
    assert.notEqual(normalise("c1 Exited (0)\n", "1"), normalise("c1 Exited (1)\n", "1"));
    assert.notEqual(normalise("127.0.0.1:40001->80/tcp\n", "40001"), normalise("0.0.0.0:40002->80/tcp\n", "40002"));
  });

  it("compares JSON by key paths and types, array elements merged, the default network's name aside", () => {
    const a = jsonShape('[{"Id":"x","Labels":null,"NetworkSettings":{"Networks":{"podman":{"Aliases":["a"]}}}}]');
    const b = jsonShape('[{"Id":"y","Labels":null,"NetworkSettings":{"Networks":{"skiff":{"Aliases":["b","c"]}}}}]');
    assert.equal(a, b);
    assert.ok(a.includes("[].NetworkSettings.Networks.<default>.Aliases[] string"));
    assert.notEqual(jsonShape('{"Size":1}'), jsonShape('{"Size":"1 MB"}'));
    assert.match(jsonShape("Error: nope"), /^not JSON/);
  });
});
