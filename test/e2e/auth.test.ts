/** Pulls from registries that require credentials: htpasswd Basic auth and Bearer tokens. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
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
    assert.match(ok.stderr, /WARNING! --creds USER:PASSWORD is visible to every user in the process list/);
    // the ways that keep the password out of /proc/PID/cmdline
    const fresh = isolatedEnv();
    const viaStdin = skiff(["pull", "-q", "--creds", "alice", `${basic.host}/private/app:v1`], { env: fresh, input: "s3cret\n" });
    assert.equal(viaStdin.code, 0, viaStdin.stderr);
    assert.equal(viaStdin.stderr, "");
    const file = join(mkdtempSync(join(tmpdir(), "skiff-creds-")), "creds");
    writeFileSync(file, "alice:s3cret\n", { mode: 0o600 });
    const viaFile = skiff(["pull", "-q", "--creds-file", file, `${basic.host}/private/app:v1`], { env: isolatedEnv() });
    assert.equal(viaFile.code, 0, viaFile.stderr);
    const none = skiff(["pull", "--creds", "alice", `${basic.host}/private/app:v1`], { env: isolatedEnv(), input: "" });
    assert.match(none.stderr, /^Error: --creds alice: no password on stdin\n$/);
  });

  it("logs in (only with valid credentials), pulls with the stored ones, and logs out", async (t) => {
    if (!requiresRoot(t)) return;
    const env = isolatedEnv();
    const authfile = join(mkdtempSync(join(tmpdir(), "skiff-authfile-")), "auth.json");
    env.REGISTRY_AUTH_FILE = authfile;
    const bad = await skiffAsync(["login", "-u", "alice", "--password-stdin", basic.host], { env, input: "nope\n" });
    assert.deepEqual([bad.code, bad.stderr], [125, `Error: log in to ${basic.host}: invalid username or password\n`]);
    assert.ok(!existsSync(authfile), "nothing stored for a failed login");
    const ok = await skiffAsync(["login", "-u", "alice", "--password-stdin", basic.host], { env, input: "s3cret\n" });
    assert.deepEqual([ok.code, ok.stdout], [0, "Login Succeeded!\n"], ok.stderr);
    assert.equal(statSync(authfile).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(authfile, "utf8")).auths[basic.host], { auth: Buffer.from("alice:s3cret").toString("base64") });
    assert.equal((await skiffAsync(["login", "--get-login", basic.host], { env })).stdout, "alice\n");
    const pulled = await skiffAsync(["pull", "-q", `${basic.host}/private/app:v1`], { env });
    assert.equal(pulled.code, 0, pulled.stderr);
    // the token registry: login and pull through the issuer
    const tok = await skiffAsync(["login", "-u", "bob", "-p", "hunter2", token.host], { env });
    assert.equal(tok.code, 0, tok.stderr);
    assert.match(tok.stderr, /^WARNING! Using --password via the command line is insecure/);
    assert.equal((await skiffAsync(["pull", "-q", `${token.host}/private/app:v1`], { env })).code, 0);
    const out = await skiffAsync(["logout", basic.host], { env });
    assert.deepEqual([out.code, out.stdout], [0, `Removed login credentials for ${basic.host}\n`]);
    assert.equal((await skiffAsync(["pull", `${basic.host}/private/app:v1`], { env })).code, 125);
    const again = await skiffAsync(["logout", basic.host], { env });
    assert.deepEqual([again.code, again.stderr], [125, `Error: not logged into ${basic.host}\n`]);
    const noPw = await skiffAsync(["login", "-u", "alice", basic.host], { env });
    assert.equal(noPw.code, 125);
    assert.match(noPw.stderr, /skiff never prompts/);
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
