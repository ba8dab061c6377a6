/** The rootless decisions that need no namespace: /etc/subuid ranges, newuidmap's arguments, logind's lingering. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { mappedCount, mappingArgs, subordinateRanges } from "../../src/rootless/subids.js";
import { ignoredLimits } from "../../src/rootless/cgroups.js";
import { lingerWarning } from "../../src/rootless/session.js";
import { outerIds } from "../../src/rootless/userns.js";

describe("rootless", () => {
  it("finds a user's subordinate ranges by name or ID, skipping malformed lines", () => {
    const text = "alice:100000:65536\nbob:165536:65536\n1002:231072:1000\nalice:300000:10\nalice:x:5\nalice:-1:5\nalice:5:0\n\n# c\n";
    assert.deepEqual(subordinateRanges(text, "alice", 1001), [{ start: 100000, count: 65536 }, { start: 300000, count: 10 }]);
    assert.deepEqual(subordinateRanges(text, "carol", 1002), [{ start: 231072, count: 1000 }]);
    assert.deepEqual(subordinateRanges(text, "dave", 1003), []);
  });

  it("maps the user to root and the ranges after it, one after the other", () => {
    const ranges = [{ start: 100000, count: 65536 }, { start: 300000, count: 10 }];
    assert.deepEqual(mappingArgs(1001, ranges), ["0", "1001", "1", "1", "100000", "65536", "65537", "300000", "10"]);
    assert.equal(mappedCount(ranges), 65547);
    assert.deepEqual(mappingArgs(1001, []), ["0", "1001", "1"]);
  });

  it("knows the outer user only from skiff's own marker", () => {
    assert.deepEqual(outerIds({ SKIFF_ROOTLESS: "1001:1002" }), { uid: 1001, gid: 1002 });
    for (const v of [undefined, "", "1001", "a:b", "1:2:3"]) assert.equal(outerIds({ SKIFF_ROOTLESS: v }), undefined);
  });

  it("names the limits that cannot apply, not --pids-limit's default", () => {
    assert.deepEqual(ignoredLimits({ pidsLimit: 2048 }), []);
    assert.deepEqual(ignoredLimits({ memory: 67108864, cpus: 0.5, pidsLimit: 100 }), ["--memory", "--cpus", "--pids-limit"]);
  });

  it("warns that containers stop at logout under logind without lingering", () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-linger-"));
    const systemd = { running: join(dir, "system"), linger: join(dir, "linger") };
    mkdirSync(systemd.running);
    mkdirSync(systemd.linger);
    const env = { XDG_RUNTIME_DIR: "/run/user/0" };
    assert.match(lingerWarning(env, 0, systemd) ?? "", /loginctl enable-linger root/);
    writeFileSync(join(systemd.linger, "root"), "");
    assert.equal(lingerWarning(env, 0, systemd), undefined, "lingering");
    assert.equal(lingerWarning({ XDG_RUNTIME_DIR: "/tmp/run" }, 0, { ...systemd, linger: join(dir, "none") }), undefined, "not logind's runtime directory");
    assert.equal(lingerWarning(env, 0, { running: join(dir, "nosystemd"), linger: join(dir, "none") }), undefined, "no systemd");
  });
});

describe("--userns keep-id", () => {
  it("maps the user's ID to itself and root to the rootless namespace's 1", async () => {
    const { keepIdMapping, toNamespace, mappedTotal } = await import("../../src/rootless/keep-id.js");
    const m = keepIdMapping(1001, 65537);
    assert.deepEqual(m, [{ containerID: 0, hostID: 1, size: 1001 }, { containerID: 1001, hostID: 0, size: 1 }, { containerID: 1002, hostID: 1002, size: 64535 }]);
    assert.deepEqual([0, 1000, 1001, 1002, 65536].map((id) => toNamespace(m, id)), [1, 1001, 0, 1002, 65536]);
    assert.throws(() => toNamespace(m, 65537), /not mapped/);
    assert.throws(() => keepIdMapping(70000, 65537), /outside/);
    assert.equal(keepIdMapping(65536, 65537).length, 2, "the last ID: nothing after it");
    assert.equal(mappedTotal("         0       1001          1\n         1     100000      65536\n"), 65537);
  });
});

describe("--userns nomap", () => {
  it("maps the subordinate IDs only, root to the rootless namespace's 1", async () => {
    const { nomapMapping, toNamespace } = await import("../../src/rootless/keep-id.js");
    const m = nomapMapping(65537);
    assert.deepEqual(m, [{ containerID: 0, hostID: 1, size: 65536 }]);
    assert.deepEqual([0, 65535].map((id) => toNamespace(m, id)), [1, 65536]);
    assert.throws(() => toNamespace(m, 65536), /not mapped/);
    assert.throws(() => nomapMapping(1), /no subordinate IDs/);
  });

  it("makes the way to the rootfs searchable: the user's directories get the search bits, others' refuse", async () => {
    const { searchFix } = await import("../../src/rootless/reachable.js");
    assert.equal(searchFix(0o40755, false), "ok");
    assert.equal(searchFix(0o40711, true), "ok");
    assert.equal(searchFix(0o40700, true), "chmod");
    assert.equal(searchFix(0o40770, true), "chmod", "group search alone is not enough: the container's root is in no group of ours");
    assert.equal(searchFix(0o40750, false), "refuse");
  });
});

describe("--userns auto", () => {
  it("parses auto and auto:size=N, refusing other options as podman", async () => {
    const { parseAuto } = await import("../../src/rootless/auto-userns.js");
    assert.deepEqual([parseAuto("auto"), parseAuto("auto:size=500"), parseAuto("keep-id"), parseAuto("automatic")], [{}, { size: 500 }, undefined, undefined]);
    assert.throws(() => parseAuto("auto:size=bad"), /invalid size "bad"/);
    assert.throws(() => parseAuto("auto:size=0"), /invalid size "0"/);
    assert.throws(() => parseAuto("auto:foo=1"), /unknown option specified: "foo"/);
    assert.deepEqual(parseAuto("auto:uidmapping=0:5000:10,uidmapping=20:6000:1,gidmapping=0:7000:2"), {
      uidMapping: [{ containerID: 0, hostID: 5000, size: 10 }, { containerID: 20, hostID: 6000, size: 1 }],
      gidMapping: [{ containerID: 0, hostID: 7000, size: 2 }],
    });
    for (const bad of ["0:5000", "0:5000:0", "a:1:1", "0:1:1:1"]) assert.throws(() => parseAuto(`auto:uidmapping=${bad}`), new RegExp(`invalid uidmapping "${bad}"`));
  });

  it("lays out IDs mapped by hand as podman: the rest take the range's IDs in order", async () => {
    const { autoMapping } = await import("../../src/rootless/auto-userns.js");
    const range = { start: 1, size: 1024 };
    assert.deepEqual(autoMapping(range), [{ containerID: 0, hostID: 1, size: 1024 }]);
    // podman 4.3.1: uidmapping=500:5000:10 gave "0 1 500", "510 501 514", "500 5000 10"
    assert.deepEqual(autoMapping(range, [{ containerID: 500, hostID: 5000, size: 10 }]), [
      { containerID: 0, hostID: 1, size: 500 }, { containerID: 510, hostID: 501, size: 514 }, { containerID: 500, hostID: 5000, size: 10 },
    ]);
    assert.deepEqual(autoMapping({ start: 1025, size: 1024 }, [{ containerID: 0, hostID: 5000, size: 10 }]), [{ containerID: 10, hostID: 1025, size: 1014 }, { containerID: 0, hostID: 5000, size: 10 }]);
    assert.deepEqual(autoMapping({ start: 1, size: 4 }, [{ containerID: 0, hostID: 9, size: 4 }]), [{ containerID: 0, hostID: 9, size: 4 }], "all by hand");
    // podman: a host ID asked for inside the range is stepped over (range 3102.., 5000..5009 by hand)
    assert.deepEqual(autoMapping({ start: 3102, size: 3101 }, [{ containerID: 500, hostID: 5000, size: 10 }]), [
      { containerID: 0, hostID: 3102, size: 500 }, { containerID: 510, hostID: 3602, size: 1398 }, { containerID: 1908, hostID: 5010, size: 1193 }, { containerID: 500, hostID: 5000, size: 10 },
    ]);
  });

  it("sizes the range from the image: owners + 1, accounts + 1 but not the overflow ID, at least 1024", async () => {
    const { autoSize } = await import("../../src/rootless/auto-userns.js");
    assert.equal(autoSize(0, "", ""), 1024);
    assert.equal(autoSize(3100, "root:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n", ""), 3101);
    assert.equal(autoSize(10, "app:x:5000:5000::/:/bin/sh\n", "g:x:6000:\n"), 6001);
    assert.equal(autoSize(10, "broken line\n::\n", "x:x:notanumber:\n"), 1024);
  });

  it("takes the lowest free range, after the user's own 0, within the namespace", async () => {
    const { allocateRange } = await import("../../src/rootless/auto-userns.js");
    assert.deepEqual(allocateRange([], 1024, 65537), { start: 1, size: 1024 });
    assert.deepEqual(allocateRange([{ start: 1, size: 1024 }], 1024, 65537), { start: 1025, size: 1024 });
    // a hole left by a removed container is reused when it is big enough
    assert.deepEqual(allocateRange([{ start: 1025, size: 1024 }, { start: 1, size: 100 }], 500, 65537), { start: 101, size: 500 });
    assert.deepEqual(allocateRange([{ start: 1025, size: 1024 }, { start: 1, size: 100 }], 1000, 65537), { start: 2049, size: 1000 });
    assert.equal(allocateRange([{ start: 1, size: 65000 }], 1024, 65537), undefined);
    assert.deepEqual(allocateRange([], 65536, 65537), { start: 1, size: 65536 });
    assert.equal(allocateRange([], 65537, 65537), undefined);
  });
});
