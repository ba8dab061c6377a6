/** Pulls from registries that require credentials: htpasswd Basic auth and Bearer tokens. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildImage, type TestImage } from "../helpers/image.js";
import { pushImage, startRegistry, type Registry } from "../helpers/registry.js";
import { startTokenServer, type TokenServer } from "../helpers/token-server.js";
import { isolatedEnv, requiresRoot, skiff, skiffAsync } from "../helpers/skiff.js";

describe("registry authentication", () => {
  let open: Registry, basic: Registry, token: Registry, issuer: TokenServer;
  let image: TestImage;
  before(async () => {
    open = await startRegistry();
    image = buildImage();
    await pushImage(open, "private/app", "v1", image);
    const dir = mkdtempSync(join(tmpdir(), "skiff-htpasswd-"));
    execFileSync("htpasswd", ["-Bbc", join(dir, "htpasswd"), "alice", "s3cret"], { stdio: "ignore" });
    basic = await startRegistry({ storage: open.storage, auth: { htpasswd: join(dir, "htpasswd") } });
    issuer = await startTokenServer({ bob: "hunter2" });
    token = await startRegistry({ storage: open.storage, auth: { token: issuer } });
  });
  after(async () => {
    for (const r of [basic, token, open]) await r?.stop();
    await issuer?.stop();
  });

  it("pulls with Basic credentials, and fails with one line without them", (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const denied = skiff(["pull", `${basic.host}/private/app:v1`], { env });
    assert.equal(denied.code, 125);
    assert.match(denied.stderr, /^Error: fetch manifest .*private\/app:v1: HTTP 401.*\(log in with 'skiff login' or pass --creds\)\n$/);
    const wrong = skiff(["pull", "--creds", "alice:wrong", `${basic.host}/private/app:v1`], { env });
    assert.equal(wrong.code, 125);
    assert.doesNotMatch(wrong.stderr, /wrong/, "the password never appears in errors");
    const ok = skiff(["pull", "-q", "--creds", "alice:s3cret", `${basic.host}/private/app:v1`], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), image.config.digest.slice(7));
  });

  it("pulls with Bearer tokens from the registry's issuer, asking for the pull scope", async (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    issuer.requests.length = 0;
    const anon = await skiffAsync(["pull", `${token.host}/private/app:v1`], { env });
    assert.equal(anon.code, 125, "an anonymous token grants nothing here");
    assert.match(anon.stderr, /HTTP 401/);
    const r = await skiffAsync(["pull", "-q", "--creds", "bob:hunter2", "--log-level", "debug", `${token.host}/private/app:v1`], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), image.config.digest.slice(7));
    assert.ok(issuer.requests.some((q) => q.scope.includes("repository:private/app:pull") && q.authorization?.startsWith("Basic ")));
    // one token serves every request of the pull
    const withCreds = issuer.requests.filter((q) => q.authorization);
    assert.equal(withCreds.length, 1, JSON.stringify(issuer.requests));
    assert.doesNotMatch(r.stderr, /hunter2|Bearer [A-Za-z0-9]/, "secrets never reach the logs");
  });
});
