import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cgroupModeFromMounts, overlayFromFilesystems } from "../../src/host/facts.js";
import { parseRuntimeVersion, searchPath } from "../../src/runtime/locate.js";
import { mountArgs } from "../../src/sys/node.js";
import { MS, makedev } from "../../src/sys/types.js";
import { goArch } from "../../src/cli/commands/version.js";

describe("host facts", () => {
  it("tells cgroup layouts apart", () => {
    assert.equal(cgroupModeFromMounts("cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"), "unified");
    assert.equal(cgroupModeFromMounts("tmpfs /sys/fs/cgroup tmpfs ro 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\ncgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n"), "hybrid");
    assert.equal(cgroupModeFromMounts("tmpfs /sys/fs/cgroup tmpfs ro 0 0\ncgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n"), "legacy");
    assert.equal(cgroupModeFromMounts(""), "none");
  });

  it("finds overlay in /proc/filesystems", () => {
    assert.equal(overlayFromFilesystems("nodev\tsysfs\nnodev\toverlay\n\text4\n"), true);
    assert.equal(overlayFromFilesystems("nodev\tsysfs\n\text4\n"), false);
  });

  it("parses runtime versions", () => {
    assert.deepEqual(parseRuntimeVersion("runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\n"), { version: "1.1.5+ds1", commit: "1.1.5+ds1-1+deb12u1", spec: "1.0.2-dev" });
    assert.deepEqual(parseRuntimeVersion("crun version 1.8.1\ncommit: abc\nrundir: /run/crun\nspec: 1.0.0\n+SYSTEMD"), { version: "1.8.1", commit: "abc", spec: "1.0.0" });
    assert.deepEqual(parseRuntimeVersion("youki version 0.3.0\ncommit: 0.3.0-0-abc\n"), { version: "0.3.0", commit: "0.3.0-0-abc" });
  });

  it("searches sbin for the runtime even when PATH lacks it", () => {
    assert.ok(searchPath({ PATH: "/usr/bin" }).includes("/usr/sbin"));
    assert.equal(searchPath({ PATH: "/opt/x:/usr/bin" })[0], "/opt/x");
  });

  it("maps Node arch names to Go's", () => {
    assert.deepEqual(["x64", "arm64", "arm", "riscv64"].map(goArch), ["amd64", "arm64", "arm", "riscv64"]);
  });
});

describe("sys: pure parts", () => {
  it("computes dev_t like glibc's makedev", () => {
    assert.equal(makedev(1, 3), 0x103n);
    assert.equal(makedev(7, 300), (7n << 8n) | 0x2cn | (0x100n << 12n));
    assert.equal(makedev(0x1000, 0), 0x1000n << 32n);
  });

  it("turns mount(2) flags into mount(8) arguments", () => {
    assert.deepEqual(mountArgs("none", "/m", "tmpfs", MS.NOSUID | MS.NODEV, "size=1m"), ["-n", "-t", "tmpfs", "-o", "rw,nosuid,nodev,size=1m", "none", "/m"]);
    assert.deepEqual(mountArgs("/a", "/b", "", MS.BIND | MS.REC), ["-n", "-o", "rbind,rw", "/a", "/b"]);
    assert.deepEqual(mountArgs("", "/b", "", MS.REMOUNT | MS.BIND | MS.RDONLY), ["-n", "-o", "remount,bind,ro", "/b"]);
    assert.deepEqual(mountArgs("", "/b", "", MS.PRIVATE | MS.REC), ["--make-rprivate", "/b"]);
    assert.deepEqual(mountArgs("/a", "/b", "", MS.MOVE), ["--move", "/a", "/b"]);
  });
});
