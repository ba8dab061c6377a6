import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { codeCachePath, trusted } from "../../src/bundle/code-cache.js";

describe("bundle code cache", () => {
  it("lives in the user's cache directory, one file per Node version, bundle and role", () => {
    assert.deepEqual(codeCachePath({ HOME: "/home/u" }, "v20.20.2", "abc123", "cli"), { dir: "/home/u/.cache/skiff", file: "/home/u/.cache/skiff/bundle-abc123-node-v20.20.2-cli.v8cache" });
    assert.equal(codeCachePath({ HOME: "/home/u", XDG_CACHE_HOME: "/c" }, "v18.20.4", "abc123", "shim")?.file, "/c/skiff/bundle-abc123-node-v18.20.4-shim.v8cache");
    // a relative XDG_CACHE_HOME is ignored, as the XDG spec says; no home at all: no cache
    assert.equal(codeCachePath({ HOME: "/home/u", XDG_CACHE_HOME: "rel" }, "v20.1.0", "x", "cli")?.dir, "/home/u/.cache/skiff");
    assert.equal(codeCachePath({}, "v20.1.0", "x", "cli"), undefined);
    assert.equal(codeCachePath({ HOME: "relative" }, "v20.1.0", "x", "cli"), undefined);
    assert.match(codeCachePath({ HOME: "/h" }, "v20/../../x", "id", "cli")!.file, /^\/h\/\.cache\/skiff\/bundle-id-node-v20\.\.\.\.x-cli\.v8cache$/);
  });

  it("trusts only what the user owns and no one else may write", () => {
    assert.equal(trusted({ uid: 1000, mode: 0o100600 }, 1000), true);
    assert.equal(trusted({ uid: 1000, mode: 0o40700 }, 1000), true);
    assert.equal(trusted({ uid: 1000, mode: 0o100644 }, 1000), true);
    assert.equal(trusted({ uid: 0, mode: 0o100600 }, 1000), false);
    assert.equal(trusted({ uid: 1000, mode: 0o100620 }, 1000), false);
    assert.equal(trusted({ uid: 1000, mode: 0o40777 }, 1000), false);
    assert.equal(trusted(undefined, 1000), false);
  });
});
