/** Pulls over TLS: the registry's CA from certs.d or --cert-dir, or --tls-verify=false. */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeTestCerts, type TestCerts } from "../helpers/certs.js";
import { buildImage, type TestImage } from "../helpers/image.js";
import { pushImage, startRegistry, type Registry } from "../helpers/registry.js";
import { isolatedEnv, requiresRoot, skiff } from "../helpers/skiff.js";

describe("TLS registries", () => {
  let open: Registry, secure: Registry, certs: TestCerts, image: TestImage;
  before(async () => {
    open = await startRegistry();
    image = buildImage();
    await pushImage(open, "tls/app", "v1", image);
    certs = makeTestCerts();
    secure = await startRegistry({ storage: open.storage, tls: { certificate: certs.cert, key: certs.key } });
  });
  after(async () => {
    await secure?.stop();
    await open?.stop();
  });
  const name = () => `${secure.host}/tls/app:v1`;

  it("refuses a certificate it cannot verify, with a hint and one line", (t) => {
    if (!requiresRoot(t)) return;
    const r = skiff(["pull", "-q", name()], { env: isolatedEnv() });
    assert.equal(r.code, 125);
    assert.match(r.stderr, new RegExp(`^Error: fetch manifest .*: TLS: .*\\(put the registry's CA in /etc/skiff/certs\\.d/${secure.host.replace(/\./g, "\\.")}/ca\\.crt, or use --tls-verify=false\\)\\n$`));
  });

  it("trusts the CA from a certs.d directory", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const certsd = mkdtempSync(join(tmpdir(), "skiff-certsd-"));
    mkdirSync(join(certsd, secure.host));
    copyFileSync(certs.ca, join(certsd, secure.host, "ca.crt"));
    writeFileSync(env.SKIFF_CONFIG!, `[registries]\ncerts_dirs = ["${certsd}"]\n`);
    const r = skiff(["pull", "-q", name()], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), image.config.digest.slice(7));
  });

  it("trusts the CA from --cert-dir", (t) => {
    if (!requiresRoot(t)) return;
    const dir = mkdtempSync(join(tmpdir(), "skiff-certdir-"));
    copyFileSync(certs.ca, join(dir, "ca.crt"));
    const r = skiff(["pull", "-q", "--cert-dir", dir, name()], { env: isolatedEnv() });
    assert.equal(r.code, 0, r.stderr);
  });

  it("presents a client certificate from certs.d to a registry that demands one", async (t) => {
    if (!requiresRoot(t)) return;
    const mtls = await startRegistry({ storage: open.storage, tls: { certificate: certs.cert, key: certs.key, clientca: certs.ca } });
    try {
      const env = isolatedEnv();
      const certsd = mkdtempSync(join(tmpdir(), "skiff-mtls-"));
      mkdirSync(join(certsd, mtls.host));
      copyFileSync(certs.ca, join(certsd, mtls.host, "ca.crt"));
      writeFileSync(env.SKIFF_CONFIG!, `[registries]\ncerts_dirs = ["${certsd}"]\n`);
      const without = skiff(["pull", "-q", "--retry", "0", `${mtls.host}/tls/app:v1`], { env });
      assert.equal(without.code, 125, "refused without a client certificate");
      copyFileSync(certs.clientCert, join(certsd, mtls.host, "client.cert"));
      copyFileSync(certs.clientKey, join(certsd, mtls.host, "client.key"));
      const r = skiff(["pull", "-q", `${mtls.host}/tls/app:v1`], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), image.config.digest.slice(7));
    } finally {
      await mtls.stop();
    }
  });

  it("skips verification with --tls-verify=false", (t) => {
    if (!requiresRoot(t)) return;
    const r = skiff(["pull", "-q", "--tls-verify=false", name()], { env: isolatedEnv() });
    assert.equal(r.code, 0, r.stderr);
  });
});

describe("registries remembered as plain HTTP", () => {
  let open: Registry, secure: Registry, certs: TestCerts;
  before(async () => {
    open = await startRegistry();
    await pushImage(open, "memo/app", "v1", buildImage());
    certs = makeTestCerts();
    secure = await startRegistry({ storage: open.storage, tls: { certificate: certs.cert, key: certs.key } });
  });
  after(async () => {
    await secure?.stop();
    await open?.stop();
  });
  const memo = (env: NodeJS.ProcessEnv) => JSON.parse(readFileSync(join(env.SKIFF_RUNROOT!, "plain-http.json"), "utf8")).hosts as string[];

  it("shakes hands over TLS once, then asks a plain loopback registry over HTTP first", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const first = skiff(["pull", "--log-level", "debug", "-q", `${open.host}/memo/app:v1`], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /HTTPS failed .*; trying HTTP/);
    assert.deepEqual(memo(env), [open.host]);
    const again = skiff(["push", "--log-level", "debug", "-q", `${open.host}/memo/app:v1`, `${open.host}/memo/copy:v1`], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /HTTPS failed/);
  });

  it("goes back to TLS when a host remembered as plain HTTP speaks TLS now, and forgets it", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    mkdirSync(env.SKIFF_RUNROOT!, { recursive: true });
    writeFileSync(join(env.SKIFF_RUNROOT!, "plain-http.json"), JSON.stringify({ hosts: [secure.host, "other:5000"] }));
    const r = skiff(["pull", "--log-level", "debug", "-q", "--tls-verify=false", `${secure.host}/memo/app:v1`], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /plain HTTP failed; trying HTTPS/);
    assert.deepEqual(memo(env), ["other:5000"]);
  });

  it("never uses the memo for a registry that must be TLS", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    mkdirSync(env.SKIFF_RUNROOT!, { recursive: true });
    writeFileSync(join(env.SKIFF_RUNROOT!, "plain-http.json"), JSON.stringify({ hosts: ["registry.invalid"] }));
    const r = skiff(["pull", "--log-level", "debug", "-q", "--retry", "0", "registry.invalid/memo/app:v1"], { env });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /https:\/\/registry\.invalid|registry\.invalid/);
    assert.doesNotMatch(r.stderr, /http:\/\/registry\.invalid|plain HTTP failed/);
  });
});
