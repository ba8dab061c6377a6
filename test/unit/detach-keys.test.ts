import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detachMatcher, parseDetachKeys } from "../../src/cli/detach-keys.js";
import { SkiffError } from "../../src/errors.js";

describe("detach keys", () => {
  it("parses podman's notation", () => {
    assert.deepEqual(parseDetachKeys("ctrl-p,ctrl-q"), [0x10, 0x11]);
    assert.deepEqual(parseDetachKeys("ctrl-a,x"), [0x01, 0x78]);
    assert.deepEqual(parseDetachKeys(""), []);
    assert.throws(() => parseDetachKeys("ctrl-pp"), SkiffError);
  });

  it("holds a partial sequence, passes it on when it breaks, detaches when it completes", () => {
    const m = detachMatcher([0x10, 0x11]);
    assert.deepEqual(m(Buffer.from("ab")), { forward: Buffer.from("ab"), detached: false });
    assert.deepEqual(m(Buffer.from([0x61, 0x10])), { forward: Buffer.from("a"), detached: false });
    assert.deepEqual(m(Buffer.from("z")), { forward: Buffer.from([0x10, 0x7a]), detached: false });
    assert.deepEqual(m(Buffer.from([0x10, 0x10])), { forward: Buffer.from([0x10]), detached: false });
    assert.deepEqual(m(Buffer.from([0x11, 0x61])), { forward: Buffer.alloc(0), detached: true });
    assert.deepEqual(detachMatcher([])(Buffer.from([0x10, 0x11])), { forward: Buffer.from([0x10, 0x11]), detached: false });
  });
});
