/** pasta's arguments and the host facts it copies, from text (no pasta needed). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultRoute, pastaPorts } from "../../src/network/pasta.js";

describe("pasta", () => {
  it("forwards each published port of a protocol as [ADDR/]HOST:CONTAINER, or none", () => {
    const ports = [
      { hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" as const },
      { hostIp: "", hostPort: 5353, containerPort: 53, protocol: "udp" as const },
      { hostIp: "0.0.0.0", hostPort: 8443, containerPort: 443, protocol: "tcp" as const },
    ];
    assert.deepEqual(pastaPorts(ports, "tcp"), ["127.0.0.1/8080:80", "8443:443"]);
    assert.deepEqual(pastaPorts(ports, "udp"), ["5353:53"]);
    assert.deepEqual(pastaPorts([], "tcp"), ["none"]);
  });

  it("reads the default route's interface and gateway from /proc/net/route", () => {
    const routes = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\nskiff0\t00005A0A\t00000000\t0001\t0\t0\t0\t0000FFFF\neth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\n";
    assert.deepEqual(defaultRoute(routes), { ifname: "eth0", gateway: "192.0.2.1" });
    assert.equal(defaultRoute("Iface\tDestination\tGateway\n"), undefined);
  });
});
