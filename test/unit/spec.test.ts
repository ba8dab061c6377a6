import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { withSeccomp } from "../../src/spec/seccomp.js";
import { assertValidSpec, validateSpec } from "../helpers/schema.js";
import { commandOf, compose, mergeEnv, withArgs, withCapabilities, withCwd, withDefaultSpec, withEnv, withHostname, withMounts, withPrivileged, withResources, withRlimits, withTerminal, withUser, withNoNewPrivileges, withReadonlyRootfs, withAnnotations, withShmSize } from "../../src/spec/build.js";
import { DEFAULT_CAPS } from "../../src/spec/defaults.js";
import { resolveUser } from "../../src/spec/user.js";
import { hardLimitsFromProc, parseSize, parseUlimit } from "../../src/spec/values.js";
import { SkiffError } from "../../src/errors.js";

const validate = validateSpec;
const valid = assertValidSpec;

const PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:App:/home/app:/bin/sh\nweb:x:33:33::/var/www:/bin/false\n";
const GROUP = "root:x:0:\nwheel:x:10:app,web\napp:x:1000:\naudio:x:29:app\nwww:x:33:\n";

describe("spec generation", () => {
  it("builds a default spec that validates against the runtime-spec schema", () => {
    const spec = compose(withDefaultSpec("/run/skiff/c/rootfs"), withArgs(["sh"]));
    valid(spec);
    assert.equal(spec.ociVersion, "1.0.2", "the oldest version with every field used: runtimes refuse versions newer than they know");
    assert.deepEqual(spec.process.capabilities!.bounding, DEFAULT_CAPS);
    assert.equal(spec.process.capabilities!.inheritable, undefined, "inheritable stays empty (CVE-2022-24769)");
    assert.ok(spec.linux.maskedPaths!.includes("/proc/kcore"));
    assert.deepEqual(spec.linux.namespaces.map((n) => n.type), ["pid", "network", "ipc", "uts", "mount", "cgroup"]);
    // the check can fail: a spec with a negative uid or no ociVersion is refused
    assert.equal(validate({ ...spec, process: { ...spec.process, user: { uid: -1, gid: 0 } } }), false);
    const { ociVersion: _v, ...noVersion } = spec;
    assert.equal(validate(noVersion), false);
  });

  it("validates a spec with every option set", () => {
    const user = resolveUser("app", PASSWD, GROUP);
    const spec = compose(
      withDefaultSpec("/r"), withArgs(["/bin/app", "--serve"]), withEnv(["PATH=/bin", "A=1"], ["A=2", "B=3"], { hostname: "box" }),
      withCwd("/srv"), withUser(user), withHostname("box"), withTerminal(true), withReadonlyRootfs(true), withNoNewPrivileges(true),
      withCapabilities(["net_admin"], ["chown"]), withRlimits({ nofile: { soft: 4096, hard: 1048576 } }, { nofile: 20000 }),
      withResources({ memory: 512 * 1024 * 1024, memorySwap: 1024 * 1024 * 1024, memoryReservation: 256 * 1024 * 1024, cpus: 1.5, cpuShares: 512, cpusetCpus: "0-1", cpusetMems: "0", pids: 2048 }), withShmSize(1 << 20), withMounts([{ destination: "/data", type: "bind", source: "/srv/data", options: ["rbind", "ro"] }]),
      withAnnotations({ "org.example": "x" }),
    );
    valid(spec);
    assert.deepEqual(spec.process.env, ["PATH=/bin", "TERM=xterm", "container=skiff", "HOSTNAME=box", "A=2", "B=3"]);
    assert.deepEqual(spec.process.rlimits, [{ type: "RLIMIT_NOFILE", soft: 4096, hard: 20000 }]);
    assert.deepEqual(spec.linux.resources!.cpu, { period: 100000, quota: 150000, shares: 512, cpus: "0-1", mems: "0" });
    assert.deepEqual(spec.linux.resources!.memory, { limit: 512 * 1024 * 1024, swap: 1024 * 1024 * 1024, reservation: 256 * 1024 * 1024 });
    assert.ok(spec.mounts.find((m) => m.destination === "/dev/shm")!.options!.includes(`size=${1 << 20}`));
    assert.ok(spec.process.capabilities!.bounding.includes("CAP_NET_ADMIN") && !spec.process.capabilities!.bounding.includes("CAP_CHOWN"));
    valid(compose(withDefaultSpec("/r"), withArgs(["sh"]), withPrivileged()));
  });

  it("follows the Entrypoint/Cmd rules", () => {
    const cfg = { Entrypoint: ["/entry.sh"], Cmd: ["serve"] };
    assert.deepEqual(commandOf(cfg, []), ["/entry.sh", "serve"]);
    assert.deepEqual(commandOf(cfg, ["debug", "-v"]), ["/entry.sh", "debug", "-v"]);
    assert.deepEqual(commandOf(cfg, [], ["/bin/sh"]), ["/bin/sh"], "--entrypoint drops the image's Cmd");
    assert.deepEqual(commandOf(cfg, ["-c", "x"], ["/bin/sh"]), ["/bin/sh", "-c", "x"]);
    assert.deepEqual(commandOf(cfg, [], ""), ["serve"], '--entrypoint "" clears it');
    assert.deepEqual(commandOf({ Cmd: ["sh"] }, ["ls"]), ["ls"]);
    assert.throws(() => commandOf({}, []), /no command or entrypoint provided/);
  });

  it("merges env by key; a bare KEY unsets", () => {
    assert.deepEqual(mergeEnv(["A=1", "B=2", "C"], ["B=3", "A", "D=4"]), ["C", "B=3", "D=4"]);
  });

  it("drops capabilities before adding them", () => {
    const caps = (add: string[], drop: string[]) => compose(withDefaultSpec("/"), withCapabilities(add, drop)).process.capabilities!.bounding;
    assert.deepEqual(caps(["SYS_ADMIN"], ["ALL"]), ["CAP_SYS_ADMIN"]);
    assert.ok(caps(["ALL"], []).includes("CAP_SYS_MODULE"));
    assert.throws(() => caps(["CAP_FLY"], []), /unknown capability "CAP_FLY"/);
  });

  it("never asks for rlimits above the caller's hard limits", () => {
    const spec = compose(withDefaultSpec("/"), withRlimits({ nofile: { soft: 1048576, hard: 1048576 }, nproc: { soft: 100, hard: 200 } }, { nofile: 20000, nproc: 150 }));
    assert.deepEqual(spec.process.rlimits, [{ type: "RLIMIT_NOFILE", soft: 20000, hard: 20000 }, { type: "RLIMIT_NPROC", soft: 100, hard: 150 }]);
    assert.deepEqual(hardLimitsFromProc("Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 20000                files\nMax processes             unlimited            unlimited            processes\n"), { nofile: 20000, nproc: Number.MAX_SAFE_INTEGER });
  });
});

describe("default seccomp profile", () => {
  it("validates, refuses privileged syscalls, and lets a capability's syscalls through", () => {
    const spec = compose(withDefaultSpec("/r"), withCapabilities([], []), withSeccomp(false, "x64"));
    valid(spec);
    const denied = spec.linux.seccomp!.syscalls![0].names;
    assert.ok(denied.includes("mount") && denied.includes("keyctl") && denied.includes("ptrace"));
    assert.deepEqual(spec.linux.seccomp!.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
    const admin = compose(withDefaultSpec("/r"), withCapabilities(["SYS_ADMIN"], []), withSeccomp(false, "arm64"));
    const allowed = admin.linux.seccomp!.syscalls![0].names;
    assert.ok(!allowed.includes("mount") && allowed.includes("keyctl"));
    assert.deepEqual(admin.linux.seccomp!.architectures, ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
    assert.equal(compose(withDefaultSpec("/r"), withSeccomp(true, "x64")).linux.seccomp, undefined);
  });
});

describe("users from the image's passwd and group", () => {
  const cases: [string, object][] = [
    ["", { uid: 0, gid: 0, additionalGids: [0] }],
    ["app", { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29] }],
    ["app:www", { uid: 1000, gid: 33, additionalGids: [33] }],
    ["1000", { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29] }],
    ["4242", { uid: 4242, gid: 0, additionalGids: [0] }],
    ["4242:4243", { uid: 4242, gid: 4243, additionalGids: [4243] }],
    ["web:10", { uid: 33, gid: 10, additionalGids: [10] }],
  ];
  for (const [spec, want] of cases) {
    it(`resolves "${spec}"`, () => {
      const { home: _home, ...got } = resolveUser(spec, PASSWD, GROUP);
      assert.deepEqual(got, want);
    });
  }

  it("always includes the primary gid and adds --group-add groups", () => {
    assert.deepEqual(resolveUser("app", PASSWD, GROUP, ["audio", "44"]).additionalGids, [1000, 10, 29, 44]);
  });

  it("fails for unknown names and out-of-range ids", () => {
    assert.throws(() => resolveUser("nobody", PASSWD, GROUP), (e: unknown) => e instanceof SkiffError && /user "nobody" not found/.test(e.message));
    assert.throws(() => resolveUser("app:nogroup", PASSWD, GROUP), /group "nogroup" not found/);
    assert.throws(() => resolveUser("4294967296", PASSWD, GROUP), /out of range/);
  });
});

describe("flag values", () => {
  it("parses sizes and ulimits", () => {
    assert.equal(parseSize("512m", "--memory"), 512 * 1024 * 1024);
    assert.equal(parseSize("1.5g", "--memory"), 1.5 * 1024 ** 3);
    assert.equal(parseSize("1024", "--memory"), 1024);
    assert.throws(() => parseSize("lots", "--memory"), /invalid size "lots" for --memory/);
    assert.deepEqual(parseUlimit("nofile=1024:2048"), { name: "nofile", soft: 1024, hard: 2048 });
    assert.deepEqual(parseUlimit("nproc=512"), { name: "nproc", soft: 512, hard: 512 });
    assert.throws(() => parseUlimit("nofile=10:5"), /soft limit above hard limit/);
    assert.throws(() => parseUlimit("nofile"), /invalid --ulimit/);
  });
});
