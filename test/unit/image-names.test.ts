import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { candidates, formatReference, parseReference } from "../../src/image/reference.js";
import { chainIds, isDigest, sha256Of } from "../../src/image/digest.js";
import { armVariantFromCpuinfo, formatPlatform, hostPlatform, parsePlatform, platformCandidates, selectPlatform } from "../../src/image/platform.js";
import { layerCompression, manifestKind, sniffCompression } from "../../src/image/media.js";
import { SkiffError } from "../../src/errors.js";

const D = `sha256:${"a".repeat(64)}`;

describe("references", () => {
  const cases: [string, string][] = [
    ["alpine", "docker.io/library/alpine:latest"],
    ["alpine:3.20", "docker.io/library/alpine:3.20"],
    ["user/app", "docker.io/user/app:latest"],
    ["docker.io/alpine", "docker.io/library/alpine:latest"],
    ["index.docker.io/user/app", "docker.io/user/app:latest"],
    ["localhost/app", "localhost/app:latest"],
    ["localhost:5000/a/b/c:v1", "localhost:5000/a/b/c:v1"],
    ["reg.example:5000/app", "reg.example:5000/app:latest"],
    ["127.0.0.1:5000/app", "127.0.0.1:5000/app:latest"],
    [`alpine@${D}`, `docker.io/library/alpine@${D}`],
    [`app:1.0@${D}`, `docker.io/library/app:1.0@${D}`],
    ["my.reg/a__b/c.d-e_f", "my.reg/a__b/c.d-e_f:latest"],
  ];
  for (const [input, want] of cases) {
    it(`normalises ${input}`, () => assert.equal(formatReference(candidates(input, ["docker.io"])[0]), want));
  }

  it("expands short names over the search registries, without library/ elsewhere", () => {
    assert.deepEqual(candidates("alpine", ["quay.io", "docker.io"]).map(formatReference), ["quay.io/alpine:latest", "docker.io/library/alpine:latest"]);
    assert.deepEqual(candidates("reg.x/alpine", ["quay.io"]).map(formatReference), ["reg.x/alpine:latest"]);
    assert.throws(() => candidates("alpine", []), /short name "alpine" needs a registry/);
  });

  it("rejects bad references with the reason", () => {
    const bad: [string, RegExp][] = [
      ["", /empty/],
      ["Alpine", /must be lowercase/],
      ["a/B", /must be lowercase/],
      ["alpine:", /bad tag ""/],
      [`alpine:${"t".repeat(129)}`, /bad tag/],
      ["alpine@sha256:abc", /bad digest/],
      [`alpine@sha256:${"A".repeat(64)}`, /bad digest/],
      ["a//b", /empty path component/],
      ["a/-b", /bad path component "-b"/],
      ["f".repeat(64), /64-character hexadecimal string is an ID/],
      ["bad_domain.x/a", /bad registry/],
      [`a/${"b".repeat(260)}`, /longer than 255/],
    ];
    for (const [input, why] of bad) assert.throws(() => parseReference(input), (e: unknown) => e instanceof SkiffError && why.test(e.message), input);
  });

  it("treats a first component with a dot, a port or localhost as a registry", () => {
    assert.equal(parseReference("localhost/x").domain, "localhost");
    assert.equal(parseReference("a.b/x").domain, "a.b");
    assert.equal(parseReference("a:1/x").domain, "a:1");
    assert.equal(parseReference("ab/x").domain, undefined);
  });
});

describe("digests", () => {
  it("accepts lowercase sha256 and sha512 only", () => {
    assert.ok(isDigest(D));
    assert.ok(isDigest(`sha512:${"0".repeat(128)}`));
    assert.ok(!isDigest(`sha256:${"a".repeat(63)}`));
    assert.ok(!isDigest(`md5:${"a".repeat(32)}`));
  });

  it("computes chain IDs as the image spec defines them", () => {
    const d1 = sha256Of("one"), d2 = sha256Of("two"), d3 = sha256Of("three");
    const c = chainIds([d1, d2, d3]);
    assert.equal(c[0], d1);
    assert.equal(c[1], sha256Of(`${d1} ${d2}`));
    assert.equal(c[2], sha256Of(`${c[1]} ${d3}`));
  });
});

describe("platforms", () => {
  it("normalises as containerd does", () => {
    const cases: [string, string][] = [
      ["linux/x86_64", "linux/amd64"], ["linux/amd64/v1", "linux/amd64"], ["linux/aarch64", "linux/arm64"],
      ["linux/arm64/v8", "linux/arm64"], ["linux/arm64/8", "linux/arm64"], ["linux/armhf", "linux/arm/v7"],
      ["linux/armel", "linux/arm/v6"], ["linux/arm", "linux/arm/v7"], ["linux/arm/7", "linux/arm/v7"],
      ["linux/i386", "linux/386"], ["arm64", "linux/arm64"], ["Linux/AMD64", "linux/amd64"],
    ];
    for (const [input, want] of cases) assert.equal(formatPlatform(parsePlatform(input)), want, input);
    assert.throws(() => parsePlatform("linux/"), /invalid platform/);
    assert.throws(() => parsePlatform("a/b/c/d"), /invalid platform/);
  });

  it("falls back arm/v7 → v6 → v5 and amd64/v3 → v2 → v1", () => {
    assert.deepEqual(platformCandidates(parsePlatform("linux/arm/v7")).map(formatPlatform), ["linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]);
    assert.deepEqual(platformCandidates(parsePlatform("linux/amd64/v3")).map(formatPlatform), ["linux/amd64/v3", "linux/amd64/v2", "linux/amd64"]);
    assert.deepEqual(platformCandidates(parsePlatform("linux/arm64/v8.2")).map(formatPlatform), ["linux/arm64/v8.2", "linux/arm64/v8.1", "linux/arm64"]);
    assert.deepEqual(platformCandidates(parsePlatform("linux/arm64")).map(formatPlatform), ["linux/arm64"]);
  });

  const index = [
    { n: "attest", platform: { os: "unknown", architecture: "unknown" } },
    { n: "amd64", platform: { os: "linux", architecture: "amd64" } },
    { n: "v6", platform: { os: "linux", architecture: "arm", variant: "v6" } },
    { n: "v7", platform: { os: "linux", architecture: "arm", variant: "v7" } },
    { n: "arm64", platform: { os: "linux", architecture: "arm64", variant: "v8" } },
    { n: "amd64-dup", platform: { os: "linux", architecture: "amd64" } },
  ];

  it("selects the closest entry, the first of equals, never an attestation", () => {
    const pick = (p: string, entries = index) => selectPlatform(entries, parsePlatform(p))?.n;
    assert.equal(pick("linux/amd64"), "amd64");
    assert.equal(pick("linux/arm64"), "arm64");
    assert.equal(pick("linux/arm/v7"), "v7");
    assert.equal(pick("linux/arm/v7", index.filter((e) => e.n !== "v7")), "v6");
    assert.equal(pick("linux/arm/v6", index.filter((e) => e.n !== "v6")), undefined, "never a newer variant");
    assert.equal(pick("linux/riscv64"), undefined);
    assert.equal(pick("linux/arm64", [{ n: "x", platform: { os: "linux", architecture: "arm64" } }]), "x");
  });

  it("knows the host", () => {
    assert.deepEqual(hostPlatform("x64"), { os: "linux", architecture: "amd64" });
    assert.deepEqual(hostPlatform("arm64"), { os: "linux", architecture: "arm64" });
    assert.deepEqual(hostPlatform("arm", "processor\t: 0\nCPU architecture: 6\n"), { os: "linux", architecture: "arm", variant: "v6" });
    assert.equal(armVariantFromCpuinfo("CPU architecture: 7"), "v7");
  });
});

describe("media types", () => {
  it("classifies manifests", () => {
    assert.equal(manifestKind("application/vnd.oci.image.index.v1+json"), "index");
    assert.equal(manifestKind("application/vnd.docker.distribution.manifest.list.v2+json"), "index");
    assert.equal(manifestKind("application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"), "manifest");
    assert.equal(manifestKind("application/vnd.docker.distribution.manifest.v1+prettyjws"), "schema1");
    assert.equal(manifestKind("text/html"), "unknown");
  });

  it("knows layer compression by type and by magic", () => {
    assert.equal(layerCompression("application/vnd.oci.image.layer.v1.tar+gzip"), "gzip");
    assert.equal(layerCompression("application/vnd.oci.image.layer.v1.tar+zstd"), "zstd");
    assert.equal(layerCompression("application/vnd.oci.image.layer.v1.tar"), "none");
    assert.equal(layerCompression("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"), "gzip");
    assert.equal(layerCompression("application/vnd.docker.image.rootfs.diff.tar.gzip"), "gzip");
    assert.equal(layerCompression("application/vnd.docker.image.rootfs.diff.tar"), "sniff");
    assert.equal(layerCompression("application/x-foo"), "unsupported");
    assert.equal(sniffCompression(new Uint8Array([0x1f, 0x8b, 0x08, 0])), "gzip");
    assert.equal(sniffCompression(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd])), "zstd");
    assert.equal(sniffCompression(new Uint8Array([0x50, 0x2a, 0x4d, 0x18])), "zstd");
    assert.equal(sniffCompression(new TextEncoder().encode("bin/busybox")), "none");
  });
});
