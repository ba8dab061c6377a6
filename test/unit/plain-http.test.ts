/** The plain-HTTP memo's file format: what a damaged file reads as, and its bound. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePlainHosts, updatePlainHosts } from "../../src/image/registry/plain-http.js";

describe("plain-HTTP memo", () => {
  it("reads anything unexpected as no hosts", () => {
    for (const text of ["", "{", "null", "[]", '{"hosts":"a"}', '{"hosts":{}}']) assert.deepEqual(parsePlainHosts(text), [], text);
    assert.deepEqual(parsePlainHosts('{"hosts":["a:1",2,null,"b"]}'), ["a:1", "b"]);
    assert.deepEqual(parsePlainHosts(JSON.stringify({ hosts: ["x".repeat(301), "ok"] })), ["ok"]);
  });

  it("adds a host last, removes it, and keeps the newest 64", () => {
    assert.deepEqual(updatePlainHosts(["a", "b"], "a", true), ["b", "a"]);
    assert.deepEqual(updatePlainHosts(["a", "b"], "a", false), ["b"]);
    assert.deepEqual(updatePlainHosts(["a"], "c", false), ["a"]);
    const many = Array.from({ length: 64 }, (_, i) => `h${i}`);
    const next = updatePlainHosts(many, "new", true);
    assert.equal(next.length, 64);
    assert.equal(next[0], "h1");
    assert.equal(next.at(-1), "new");
    assert.equal(parsePlainHosts(JSON.stringify({ hosts: [...many, "x", "y"] })).length, 64);
  });
});
