/**
 * Seeded fuzzing of the parsers that read what others wrote: the tar reader, the manifest/index
 * and config parsers, the image reference and platform parsers, the Go-template compiler and the
 * flag parser. Inputs are mutations of valid ones (bit flips, cuts, splices, repeated bytes,
 * hostile numbers) and random bytes; a SkiffError is the only way any of them may fail. The seed
 * is printed with a failure so it can be replayed (SKIFF_FUZZ_SEED=…).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SkiffError } from "../../src/errors.js";
import { classify, parseConfig } from "../../src/image/manifest.js";
import { parsePlatform } from "../../src/image/platform.js";
import { parseReference } from "../../src/image/reference.js";
import { compileTemplate } from "../../src/output/template.js";
import { parseArgv } from "../../src/cli/parse.js";
import { readTar } from "../../src/snapshot/tar/reader.js";
import { makeTar } from "../helpers/tar.js";
import { parseContainerfile } from "../../src/build/containerfile.js";
import { planStages } from "../../src/build/plan.js";
import { applyMetadata, DEFAULT_SHELL } from "../../src/build/instructions.js";
import { isIgnored, parseIgnoreFile } from "../../src/build/ignore.js";
import { processWords } from "../../src/build/words.js";

const SEED = Number(process.env.SKIFF_FUZZ_SEED ?? 20261201);
const BUDGET_MS = 4000; // per parser: bounded, whatever the machine's speed

/** xorshift32: the same seed gives the same inputs everywhere. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(a: readonly T[]): T => a[int(a.length)] };
}

const HOSTILE = ["", "-1", "0", "99999999999999999999", "1e308", "NaN", "null", "{}", "[]", '"', "\\", "../../..", "/", "\u0000", "\n", "%s", "{{", "}}", "sha256:", "a".repeat(300)];

/** A mutation of `seed`: flips, cuts, splices of itself, runs of one byte, hostile text. */
function mutate(seed: Buffer, r: ReturnType<typeof rng>): Buffer {
  let b = Buffer.from(seed);
  const rounds = 1 + r.int(4);
  for (let i = 0; i < rounds; i++) {
    switch (r.int(6)) {
      case 0: if (b.length) b[r.int(b.length)] ^= 1 << r.int(8); break;
      case 1: b = b.subarray(0, r.int(b.length + 1)); break;
      case 2: { const at = r.int(b.length + 1); b = Buffer.concat([b.subarray(0, at), b.subarray(r.int(b.length + 1)), b.subarray(at)]); break; }
      case 3: { const at = r.int(b.length + 1); b = Buffer.concat([b.subarray(0, at), Buffer.alloc(r.int(600), r.int(256)), b.subarray(at)]); break; }
      case 4: { const at = r.int(b.length + 1); b = Buffer.concat([b.subarray(0, at), Buffer.from(r.pick(HOSTILE)), b.subarray(at + r.int(8))]); break; }
      default: b = Buffer.from(Array.from({ length: r.int(1200) }, () => r.int(256)));
    }
  }
  return b;
}

/** Runs `fn` on inputs until the budget is spent; any throw that is not a SkiffError fails. */
async function fuzz(name: string, seeds: Buffer[], fn: (input: Buffer) => unknown | Promise<unknown>, atLeast = 2000): Promise<number> {
  const r = rng(SEED ^ [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
  const end = Date.now() + BUDGET_MS;
  let n = 0;
  for (; n < atLeast * 5 && (n < atLeast || Date.now() < end); n++) {
    if (n >= atLeast && Date.now() >= end) break;
    const input = mutate(r.pick(seeds), r);
    try {
      await fn(input);
    } catch (err) {
      if (!(err instanceof SkiffError)) {
        assert.fail(`${name}: input #${n} (seed ${SEED}) ${JSON.stringify(input.toString("latin1").slice(0, 200))} threw ${err instanceof Error ? err.stack : String(err)}`);
      }
    }
  }
  return n;
}

async function drain(data: Buffer): Promise<void> {
  async function* one() { yield data; }
  for await (const e of readTar(one())) for await (const _ of e.body()) { /* read it all */ }
}

const manifest = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${"a".repeat(64)}`, size: 10 }, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: `sha256:${"b".repeat(64)}`, size: 20 }] });
const index = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${"c".repeat(64)}`, size: 30, platform: { os: "linux", architecture: "arm64", variant: "v8" } }] });
const config = JSON.stringify({ architecture: "amd64", os: "linux", config: { Env: ["PATH=/bin"], Cmd: ["sh"], User: "app", ExposedPorts: { "80/tcp": {} }, Healthcheck: { Test: ["CMD", "true"] } }, rootfs: { type: "layers", diff_ids: [`sha256:${"d".repeat(64)}`] }, history: [{ created_by: "x" }] });

describe("fuzzing the parsers of foreign input", () => {
  it("tar reader", async () => {
    const seeds = [
      makeTar([{ name: "a.txt", content: "hello" }, { name: "dir", type: "dir" }, { name: "dir/link", type: "symlink", linkname: "../a.txt" }]),
      makeTar([{ name: `${"long-name-".repeat(30)}/file`, content: "x".repeat(2000) }, { name: "h", type: "hardlink", linkname: "a.txt" }]),
    ];
    const n = await fuzz("tar", seeds, drain, 1500);
    assert.ok(n >= 1500);
  });

  it("manifest, index and config parsers", async () => {
    const seeds = [manifest, index, config].map((s) => Buffer.from(s));
    await fuzz("manifest", seeds, (b) => classify(b, "", "fuzz"));
    await fuzz("manifest-typed", seeds, (b) => classify(b, "application/vnd.oci.image.index.v1+json", "fuzz"));
    await fuzz("config", seeds, (b) => parseConfig(b, "fuzz", 1));
  });

  it("image references and platforms", async () => {
    const refs = ["docker.io/library/alpine:3.19", "localhost:5000/a/b@sha256:" + "e".repeat(64), "alpine", "[::1]:5000/x:y"].map((s) => Buffer.from(s));
    await fuzz("reference", refs, (b) => parseReference(b.toString("utf8")), 3000);
    await fuzz("platform", ["linux/arm/v7", "linux/amd64"].map((s) => Buffer.from(s)), (b) => parsePlatform(b.toString("utf8")), 3000);
  });

  it("Go templates (compiled and run on an inspect-like value)", async () => {
    const value = { Id: "abc", State: { Status: "running", Health: null }, Config: { Env: ["A=1"], Labels: { a: "b" } }, Mounts: [{ Source: "/x" }], Size: 12 };
    const seeds = ["{{.State.Status}}", "{{range .Config.Env}}{{.}} {{end}}", "{{json .Config}}", '{{index .Config.Labels "a"}}', "{{if eq .Size 12}}x{{else}}y{{end}}", "{{printf \"%s-%d\" .Id .Size}}", "{{with .Mounts}}{{len .}}{{end}}", "{{.Config.Labels.a | upper}}"].map((s) => Buffer.from(s));
    await fuzz("template", seeds, (b) => compileTemplate(b.toString("utf8"))(value), 3000);
  });

  it("Containerfiles (parsed, planned, metadata applied) and ignore files", async () => {
    const file = Buffer.from([
      "# escape=\\", "ARG B=bb", "FROM $B AS one", "ENV A=1 B=\"two words\" C=${A:-x}", "LABEL k=v \\", "  l=\"m\"",
      "WORKDIR /a/${A}", "USER app:staff", "EXPOSE 80 53/udp", "VOLUME [\"/data\"]", "STOPSIGNAL SIGINT",
      "HEALTHCHECK --interval=5s --retries=2 CMD [\"true\"]", "SHELL [\"/bin/sh\", \"-ec\"]", "ONBUILD RUN x",
      "RUN <<EOF", "echo $A", "EOF", "COPY --from=one --chown=1:2 a* /d/", "CMD echo ${A%%1}", "ENTRYPOINT [\"sh\"]", "FROM one",
    ].join("\n"));
    const config = { architecture: "amd64", os: "linux", config: { Env: ["PATH=/bin"] }, rootfs: { type: "layers", diff_ids: [] } };
    await fuzz("containerfile", [file], (b) => {
      const parsed = parseContainerfile(b.toString("utf8"), "Containerfile");
      const plan = planStages(parsed.instructions, "Containerfile");
      const vars = { lookup: (n: string) => (n === "A" ? "1" : undefined), escape: parsed.escape, shell: DEFAULT_SHELL, cmdSet: false };
      for (const st of plan.stages) for (const inst of st.steps) {
        if (["RUN", "COPY", "ADD", "ARG"].includes(inst.keyword)) processWords(inst.rest, vars.lookup, vars.escape);
        else applyMetadata(config, inst, vars, "Containerfile");
      }
    }, 3000);
    const ignore = Buffer.from("*.log\n!keep.log\n**/node_modules\n/top\n[a-c]?.txt\n\\!literal\n# c\n");
    await fuzz("ignore", [ignore], (b) => {
      const pats = parseIgnoreFile(b.toString("utf8"));
      for (const p of ["a.log", "keep.log", "x/node_modules/y", "top", "b1.txt", "!literal"]) isIgnored(pats, p);
    }, 3000);
  });

  it("the command line", async () => {
    const seeds = ["run -it --rm -p 8080:80 -e A=1 --name web alpine sh -c true", "ps -a --format json --filter status=running", "cp -a=false x c:/y", "pull --tls-verify=false localhost:5000/x", "--log-level debug images -q"].map((s) => Buffer.from(s));
    await fuzz("argv", seeds, (b) => parseArgv(b.toString("utf8").split(/ +/).filter(Boolean)), 3000);
  });
});
