/**
 * cp's container side under attack: another process swaps a directory of the root for a symlink
 * to a host directory, as fast as it can, while we copy through it. A path checked and then
 * opened leaks (the control below proves the race is real here); fds resolved in the root never do.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { copyIn, copyOut, type ContainerRoot } from "../../src/container/copy.js";
import { openRoot, readFileIn } from "../../src/snapshot/rooted.js";
import type { Sys } from "../../src/sys/types.js";

const ROUNDS = 300;
const sys = {} as Sys; // regular files only: no mknod or xattrs are needed

describe("copies through a root that is being changed", () => {
  const work = mkdtempSync(join(tmpdir(), "skiff-rooted-"));
  const root = join(work, "root");
  const outside = join(work, "host");
  let swapper: ChildProcess;
  let ctr: ContainerRoot;

  before(() => {
    mkdirSync(join(root, "a", "b"), { recursive: true });
    writeFileSync(join(root, "a", "b", "secret"), "inside\n");
    mkdirSync(join(outside, "b"), { recursive: true });
    writeFileSync(join(outside, "b", "secret"), "outside\n");
    // a/ is a directory, then a symlink to the host directory, then a directory again, forever
    // its own process group: the loop's mv and ln go with it at the end
    swapper = spawn("bash", ["-c", `cd ${root} && while :; do mv a a.d; ln -s ${outside} a; rm a; mv a.d a; done`], { stdio: "ignore", detached: true });
    ctr = { fd: openRoot(root), name: "victim" };
  });
  after(async () => {
    const exited = new Promise((r) => swapper.once("exit", r));
    process.kill(-swapper.pid!, "SIGKILL");
    await exited;
    closeSync(ctr.fd);
    rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  it("the race is real: a path checked and then opened reads the host's file", () => {
    let leaks = 0;
    for (let i = 0; i < ROUNDS * 10 && leaks === 0; i++) {
      try {
        if (readFileSync(join(root, "a", "b", "secret"), "utf8") === "outside\n") leaks++;
      } catch { /* between the renames */ }
    }
    assert.ok(leaks > 0, "the swapper never won against a plain path: the test below would prove nothing");
  });

  it("copy out never reads the host's file", async () => {
    let copied = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const dest = join(work, `out-${i}`);
      try {
        await copyOut(ctr, "/a/b/secret", dest, sys);
      } catch { continue; /* not found while a/ was away: fine */ }
      const got = readFileSync(dest, "utf8");
      assert.equal(got, "inside\n", `round ${i} copied ${JSON.stringify(got)}`);
      copied++;
      rmSync(dest);
    }
    assert.ok(copied > 0, "no copy ever succeeded");
  });

  it("copy in never writes into the host's directory", async () => {
    const payload = join(work, "payload");
    writeFileSync(payload, "payload\n");
    let copied = 0;
    for (let i = 0; i < ROUNDS; i++) {
      try {
        await copyIn(ctr, payload, `/a/b/p${i}`, sys, { overwrite: false });
        copied++;
      } catch { /* a/ was away */ }
      assert.deepEqual(readdirSync(join(outside, "b")), ["secret"], `round ${i} wrote on the host`);
    }
    assert.ok(copied > 0, "no copy ever succeeded");
  });

  it("reads a container's /etc/passwd only inside its root", () => {
    for (let i = 0; i < ROUNDS; i++) {
      let got: string;
      try {
        got = readFileIn(root, "/a/b/secret", 1024);
      } catch { continue; }
      assert.ok(got === "inside\n" || got === "", `round ${i} read ${JSON.stringify(got)}`);
    }
    assert.ok(existsSync(join(outside, "b", "secret")));
  });
});
