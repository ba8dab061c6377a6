/** Pulls through failures: retried when transient, refused when the content is wrong. */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { buildImage, type TestImage } from "../helpers/image.js";
import { startFakeRegistry, type Fault } from "../helpers/fake-registry.js";
import { isolatedEnv, requiresRoot, skiffAsync } from "../helpers/skiff.js";

describe("pull through faults", () => {
  let image: TestImage;
  before(() => { image = buildImage(); });

  async function pullWith(faults: Fault[], extra: string[] = [], basicAuth = false) {
    const reg = await startFakeRegistry("f/app", "v1", image, faults, basicAuth);
    const env = isolatedEnv();
    try {
      const r = await skiffAsync(["pull", "-q", ...extra, `${reg.host}/f/app:v1`], { env });
      return { r, env, requests: reg.requests };
    } finally {
      await reg.stop();
    }
  }
  const layer = () => image.layers[0].digest;

  it("retries 500s and 429s", async (t) => {
    if (!requiresRoot(t)) return;
    const { r, requests } = await pullWith([{ match: "/manifests/", times: 2, kind: "status500" }, { match: layer(), times: 1, kind: "status429" }]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), image.config.digest.slice(7));
    assert.equal(requests.filter((q) => q.path.includes("/manifests/")).length, 3);
  });

  it("resumes a blob with Range after the connection drops", async (t) => {
    if (!requiresRoot(t)) return;
    const { r, requests } = await pullWith([{ match: layer(), times: 1, kind: "reset-midway" }]);
    assert.equal(r.code, 0, r.stderr);
    const gets = requests.filter((q) => q.path.endsWith(layer()));
    assert.equal(gets.length, 2);
    assert.match(gets[1].range ?? "", /^bytes=[1-9]\d*-$/, "the second request resumes where the first stopped");
  });

  it("gives up after the retries, with one line", async (t) => {
    if (!requiresRoot(t)) return;
    const { r } = await pullWith([{ match: "/manifests/", times: 10, kind: "status500" }], ["--retry", "1"]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^Error: fetch manifest .*: HTTP 500 Internal Server Error\n$/);
  });

  it("refuses a blob whose bytes do not match its digest, and keeps none of it", async (t) => {
    if (!requiresRoot(t)) return;
    const { r, env } = await pullWith([{ match: layer(), times: 5, kind: "corrupt" }]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, new RegExp(`^Error: layer ${layer()}: content has digest sha256:[0-9a-f]{64} \\(the registry or a proxy sent corrupt data; pull again\\)\\n$`));
    assert.ok(!existsSync(join(env.SKIFF_ROOT!, "blobs", "sha256", layer().slice(7))));
    assert.deepEqual(readdirSync(join(env.SKIFF_ROOT!, "ingest")), []);
    assert.deepEqual(readdirSync(join(env.SKIFF_ROOT!, "snapshots")), []);
  });

  it("refuses a manifest whose Docker-Content-Digest does not match its bytes", async (t) => {
    if (!requiresRoot(t)) return;
    const { r } = await pullWith([{ match: "/manifests/v1", times: 1, kind: "wrong-digest-header" }]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /registry says sha256:0{64}, content has sha256:/);
  });

  it("follows a redirect to another host without sending it the credentials", async (t) => {
    if (!requiresRoot(t)) return;
    const { r, requests } = await pullWith([{ match: layer(), times: 1, kind: "redirect-elsewhere" }], ["--creds", "user:pw"], true);
    assert.equal(r.code, 0, r.stderr);
    const basic = `Basic ${Buffer.from("user:pw").toString("base64")}`;
    assert.ok(requests.some((q) => q.path.endsWith(layer()) && q.authorization === basic), "the registry itself got the credentials");
    const cdn = requests.filter((q) => q.path.startsWith("cdn:"));
    assert.equal(cdn.length, 1);
    assert.equal(cdn[0].authorization, undefined, "the other host did not");
  });
});
