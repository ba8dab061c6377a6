/** /etc/hosts and /etc/resolv.conf of a container, and the flags that shape them (pure). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hostsFile, isIP, parseAddHost, parseDns, parseDnsSearch, resolvConf } from "../../src/container/etc-files.js";
import { SkiffError } from "../../src/errors.js";

describe("container /etc files", () => {
  it("tells IP addresses from other text", () => {
    for (const ip of ["1.2.3.4", "255.255.255.255", "::1", "fe80::1", "::", "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:7:8", "::ffff:10.0.0.1", "fe80::1%eth0"]) assert.ok(isIP(ip), ip);
    for (const bad of ["", "not-an-ip", "1.2.3", "256.1.1.1", "1.2.3.4.5", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "::g", "1.2.3.04x"]) assert.ok(!isIP(bad), bad);
  });

  it("parses --add-host and --dns as podman does, refusing what podman refuses", () => {
    assert.deepEqual(parseAddHost("foo:1.2.3.4"), { host: "foo", ip: "1.2.3.4" });
    assert.deepEqual(parseAddHost("v6:fe80::1"), { host: "v6", ip: "fe80::1" });
    assert.throws(() => parseAddHost("noip"), (e: unknown) => e instanceof SkiffError && e.message === 'bad format for add-host: "noip"');
    assert.throws(() => parseAddHost("foo:bar"), SkiffError);
    assert.throws(() => parseDns(["not-an-ip"]), (e: unknown) => e instanceof SkiffError && e.message === "not-an-ip is not an ip address");
    assert.throws(() => parseDnsSearch(["bad domain"]), SkiffError);
  });

  it("puts --add-host lines first in /etc/hosts", () => {
    const text = hostsFile("", false, "abc", "web", "10.90.0.2", [{ host: "foo", ip: "1.2.3.4" }]);
    assert.equal(text.split("\n")[0], "1.2.3.4\tfoo");
    assert.match(text, /\n10\.90\.0\.2\tabc web\n$/);
  });

  it("writes podman's /etc/hosts: the host's entries, host.containers.internal, then the container", () => {
    const host = "# comment\n127.0.0.1 localhost\n127.0.0.1  runsc\n\n::1 ip6-localhost # trailing\n";
    assert.equal(hostsFile(host, false, "abc", "web", "10.90.0.2", [], "10.90.0.1"), "127.0.0.1\tlocalhost\n127.0.0.1\trunsc\n::1\tip6-localhost\n10.90.0.1\thost.containers.internal\n10.90.0.2\tabc web\n");
    assert.equal(hostsFile(host, true, "abc", "web", undefined, [], "192.0.2.2"), "127.0.0.1\tlocalhost\n127.0.0.1\trunsc\n::1\tip6-localhost\n192.0.2.2\thost.containers.internal\n");
  });

  it("takes --dns, --dns-search and --dns-option over the host's resolv.conf", () => {
    const host = "# generated\nsearch corp.example\nnameserver 127.0.0.53\nnameserver 10.0.0.1\noptions edns0\n";
    assert.equal(resolvConf(host, false), "search corp.example\nnameserver 10.0.0.1\noptions edns0\n");
    assert.equal(resolvConf(host, true), "search corp.example\nnameserver 127.0.0.53\nnameserver 10.0.0.1\noptions edns0\n");
    assert.equal(resolvConf(host, false, { dns: ["9.9.9.9"], dnsSearch: ["example.com"], dnsOption: ["ndots:2"] }), "search example.com\nnameserver 9.9.9.9\noptions edns0 ndots:2\n");
    assert.equal(resolvConf(host, false, { dnsSearch: ["."] }), "nameserver 10.0.0.1\noptions edns0\n");
    assert.equal(resolvConf("nameserver 127.0.0.1\n", false), "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  });
});
