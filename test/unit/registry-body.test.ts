/** Registry answers are bounded in size and time, and token realms are http(s) only. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readBounded } from "../../src/image/registry/body.js";
import { tokenRealm } from "../../src/image/registry/client.js";
import { SkiffError } from "../../src/errors.js";

function endless(chunk = new Uint8Array(64 << 10)): Response {
  return new Response(new ReadableStream({ pull: (c) => c.enqueue(chunk) }));
}

describe("registry answers", () => {
  it("refuses a body past its limit, declared or streamed, without reading it all", async () => {
    await assert.rejects(readBounded(endless(), 1 << 20, 5000, "fetch manifest x"), (e: unknown) => e instanceof SkiffError && /larger than 1048576 bytes/.test(e.message));
    const declared = new Response("x".repeat(10), { headers: { "content-length": "10" } });
    await assert.rejects(readBounded(declared, 5, 5000, "m"), SkiffError);
    assert.equal((await readBounded(new Response("{}"), 5, 5000, "m")).toString(), "{}");
  });

  it("gives up on a body that stalls", async () => {
    const stalled = new Response(new ReadableStream({ start: (c) => c.enqueue(new Uint8Array(3)) /* then nothing */ }));
    const began = Date.now();
    await assert.rejects(readBounded(stalled, 1 << 20, 300, "fetch manifest x"), (e: unknown) => e instanceof SkiffError && /no data from the registry/.test(e.message));
    assert.ok(Date.now() - began < 3000);
  });

  it("accepts https realms, http only for plain-HTTP registries, and nothing else", () => {
    assert.equal(tokenRealm("https://auth.example/token", false, "t").host, "auth.example");
    assert.equal(tokenRealm("http://127.0.0.1:5000/token", true, "t").protocol, "http:");
    for (const [realm, http] of [["http://auth.example/token", false], ["file:///etc/passwd", true], ["data:,x", true], ["not a url", true]] as const) {
      assert.throws(() => tokenRealm(realm, http, "t"), SkiffError, realm);
    }
  });
});
