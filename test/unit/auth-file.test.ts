import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { findCredentials, lookupKeys, normalizeKey, readAuthPaths, removeCredentials, storeCredentials, writeAuthPath } from "../../src/image/registry/auth-file.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("auth files", () => {
  it("normalises keys as docker and containers/image do", () => {
    assert.equal(normalizeKey("https://index.docker.io/v1/"), "docker.io");
    assert.equal(normalizeKey("registry-1.docker.io"), "docker.io");
    assert.equal(normalizeKey("http://reg.example:5000/"), "reg.example:5000");
    assert.equal(normalizeKey("reg.example/ns/repo"), "reg.example/ns/repo");
    assert.deepEqual(lookupKeys("r.io", "a/b/c"), ["r.io/a/b/c", "r.io/a/b", "r.io/a", "r.io"]);
  });

  it("searches podman's and docker's files in order", () => {
    assert.deepEqual(readAuthPaths({ XDG_RUNTIME_DIR: "/run/user/1000", HOME: "/home/u" }, 1000), ["/run/user/1000/containers/auth.json", "/home/u/.config/containers/auth.json", "/home/u/.docker/config.json"]);
    assert.equal(writeAuthPath({}, 0), "/run/containers/0/auth.json");
    assert.equal(writeAuthPath({ REGISTRY_AUTH_FILE: "/x.json" }, 0), "/x.json");
    assert.deepEqual(readAuthPaths({ DOCKER_CONFIG: "/dc", HOME: "/h", XDG_CONFIG_HOME: "/c", XDG_RUNTIME_DIR: "/r" }, 5), ["/r/containers/auth.json", "/c/containers/auth.json", "/dc/config.json"]);
  });

  it("finds credentials: most specific key first, Docker Hub's legacy key, identity tokens", () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-auth-"));
    const docker = join(dir, "config.json");
    writeFileSync(docker, JSON.stringify({ auths: {
      "https://index.docker.io/v1/": { auth: b64("hub:hubpw") },
      "r.io": { auth: b64("host:pw") },
      "r.io/team": { auth: b64("team:pw2") },
      "tok.io": { identitytoken: "refresh-me" },
      "bad.io": { auth: b64("no-colon") },
    } }));
    assert.deepEqual(findCredentials([join(dir, "missing.json"), docker], "docker.io", "library/alpine"), { username: "hub", password: "hubpw" });
    assert.deepEqual(findCredentials([docker], "r.io", "team/app"), { username: "team", password: "pw2" });
    assert.deepEqual(findCredentials([docker], "r.io", "other/app"), { username: "host", password: "pw" });
    assert.deepEqual(findCredentials([docker], "tok.io"), { username: "", password: "refresh-me" });
    assert.equal(findCredentials([docker], "bad.io"), undefined);
    assert.equal(findCredentials([docker], "none.io"), undefined);
  });

  it("asks docker-credential helpers, treating 'not found' as no credentials", () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-helper-"));
    const helper = join(dir, "docker-credential-fake");
    writeFileSync(helper, `#!/bin/sh\nread server\nif [ "$server" = "h.io" ]; then echo '{"ServerURL":"h.io","Username":"<token>","Secret":"tok"}'; else echo "credentials not found in native keychain"; exit 1; fi\n`);
    chmodSync(helper, 0o755);
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ credHelpers: { "h.io": "fake", "n.io": "fake" } }));
    const path = process.env.PATH;
    process.env.PATH = `${dir}:${path}`;
    try {
      assert.deepEqual(findCredentials([file], "h.io"), { username: "", password: "tok" });
      assert.equal(findCredentials([file], "n.io"), undefined);
    } finally {
      process.env.PATH = path;
    }
  });

  it("stores entries 0600, keeping the rest of the file, and removes them", () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-store-"));
    const file = join(dir, "sub", "auth.json");
    storeCredentials(file, "a.io", { username: "u", password: "p" });
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), credHelpers: { "x.io": "y" } }));
    storeCredentials(file, "b.io", { username: "v", password: "q" });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    assert.deepEqual(Object.keys(saved.auths).sort(), ["a.io", "b.io"]);
    assert.deepEqual(saved.credHelpers, { "x.io": "y" });
    assert.equal(removeCredentials(file, "a.io"), true);
    assert.equal(removeCredentials(file, "a.io"), false);
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, "utf8")).auths), ["b.io"]);
  });
});
