/** Peer lines in /etc/hosts for name resolution on user networks (pure). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { peerLine, withPeer, withoutNetwork } from "../../src/network/names.js";
import { defaultGateway, inSubnet, overlaps, parseSubnet } from "../../src/network/config.js";
import { SkiffError } from "../../src/errors.js";

describe("hosts lines of peers", () => {
  const peer = { id: "0123456789abcdef", ip: "10.91.0.5", names: ["db", "postgres"], network: "backend" };
  it("adds a tagged line once and takes it out again", () => {
    const base = "127.0.0.1\tlocalhost\n10.91.0.2\tme\n";
    const added = withPeer(base, peer, true);
    assert.equal(added, `${base}${peerLine(peer)}\n`);
    assert.equal(withPeer(added, peer, true), added);
    assert.equal(withPeer(added, peer, false), base);
    assert.equal(withPeer(withPeer(added, { ...peer, ip: "10.91.0.9" }, true).trimEnd(), peer, true).split("\n").filter((l) => l.includes("db")).length, 1);
  });
  it("keeps one line per peer and network, and drops a whole network's lines", () => {
    const base = "127.0.0.1\tlocalhost\n";
    const other = { ...peer, ip: "10.92.0.5", network: "front" };
    const both = withPeer(withPeer(base, peer, true), other, true);
    assert.equal(both.split("\n").filter((l) => l.includes("db")).length, 2);
    assert.equal(withPeer(both, other, false), withPeer(base, peer, true));
    assert.equal(withoutNetwork(both, "backend"), withPeer(base, other, true));
    // a network whose name ends like another's is not taken with it
    assert.equal(withoutNetwork(both, "ont"), both);
  });
});

describe("subnets", () => {
  it("parses, checks host bits, finds gateways and overlaps", () => {
    assert.deepEqual(parseSubnet("10.91.3.0/24"), { base: (10 << 24 | 91 << 16 | 3 << 8) >>> 0, prefix: 24 });
    assert.throws(() => parseSubnet("10.91.3.1/24"), (e: unknown) => e instanceof SkiffError && /host bits set/.test(e.message));
    assert.throws(() => parseSubnet("10.91.3.0/33"), SkiffError);
    assert.equal(defaultGateway("10.91.3.0/24"), "10.91.3.1");
    assert.ok(inSubnet("10.91.3.200", "10.91.3.0/24"));
    assert.ok(!inSubnet("10.91.4.1", "10.91.3.0/24"));
    assert.ok(overlaps("10.91.0.0/16", "10.91.200.0/24"));
    assert.ok(!overlaps("10.90.0.0/16", "10.91.0.0/24"));
  });
});

describe("image prune filters", () => {
  const img = (created: string, labels: Record<string, string>) => ({ config: { created, config: { Labels: labels } } }) as unknown as import("../../src/image/images.js").ImageRecord;
  it("matches labels, negated labels and until, all of them", async () => {
    const { pruneFilter } = await import("../../src/cli/commands/rmi.js");
    const now = Date.parse("2026-11-25T12:00:00Z");
    const old = img("2026-01-01T00:00:00Z", { tier: "test" });
    const fresh = img("2026-11-25T11:59:00Z", { tier: "prod" });
    assert.equal(pruneFilter(["label=tier=test"], now)(old), true);
    assert.equal(pruneFilter(["label=tier=test"], now)(fresh), false);
    assert.equal(pruneFilter(["label=tier"], now)(fresh), true);
    assert.equal(pruneFilter(["label!=tier=prod"], now)(fresh), false);
    assert.equal(pruneFilter(["until=24h"], now)(old), true);
    assert.equal(pruneFilter(["until=24h"], now)(fresh), false);
    assert.equal(pruneFilter(["until=24h", "label=tier=prod"], now)(old), false);
    assert.throws(() => pruneFilter(["dangling=1"], now), SkiffError);
  });
});
