/**
 * dist/skiff.js on Node: its V8 code cache (bundle/loader.ts) is written once in the user's cache
 * directory, used as it is, replaced when V8 rejects it or when it is not the user's own; and the
 * bundle installed as the README says (two files and a link, no package.json) runs on Node 18 too.
 */
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BUNDLE, DIST, isolatedEnv, skiff } from "../helpers/skiff.js";
import { VERSION } from "../../src/version.js";

const NODE18 = process.env.SKIFF_NODE18 ?? "/opt/skiff-node18/node";

const node = (env: NodeJS.ProcessEnv, script: string, args: string[], nodeBin = process.execPath) => skiff(args, { env, launch: [nodeBin, script] });

describe("the bundle's code cache", () => {
  it("is made once, used, and replaced when it is damaged or not the user's own", () => {
    const cache = mkdtempSync(join(tmpdir(), "skiff-cache-"));
    const env = isolatedEnv({ XDG_CACHE_HOME: cache });
    const dir = join(cache, "skiff");
    const ok = () => assert.deepEqual(node(env, BUNDLE, ["--version"]), { code: 0, stdout: `skiff version ${VERSION}\n`, stderr: "" });
    ok();
    const [file] = readdirSync(dir).filter((f) => f.endsWith("-cli.v8cache"));
    assert.ok(file, readdirSync(dir).join(" "));
    const path = join(dir, file);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const first = statSync(path).ino;
    ok();
    assert.equal(statSync(path).ino, first, "a valid cache is used, not written again");
    // bytes V8 rejects: the command still runs, and a good cache takes their place
    writeFileSync(path, Buffer.alloc(4096, 7), { mode: 0o600 });
    ok();
    assert.notEqual(statSync(path).size, 4096);
    // writable by others: never read (it could be anyone's bytecode), replaced by the user's own
    chmodSync(path, 0o666);
    const loose = statSync(path).ino;
    ok();
    assert.notEqual(statSync(path).ino, loose);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    // in a directory others may write: neither read nor written
    chmodSync(dir, 0o777);
    const before = statSync(path).ino;
    ok();
    assert.equal(statSync(path).ino, before);
    assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith(".v8cache")), [], "no temporary file left");
  });

  it("runs installed as the README says: three files and a link, on this Node and on Debian's Node 18", (t) => {
    const root = mkdtempSync(join(tmpdir(), "skiff-install-"));
    mkdirSync(join(root, "lib", "skiff"), { recursive: true });
    mkdirSync(join(root, "bin"));
    copyFileSync(join(DIST, "skiff.js"), join(root, "lib", "skiff", "skiff.js"));
    for (const f of ["skiff-code.cjs", "skiff-shim.cjs"]) copyFileSync(join(DIST, f), join(root, "lib", "skiff", f));
    symlinkSync(join(root, "lib", "skiff", "skiff.js"), join(root, "bin", "skiff"));
    const env = isolatedEnv({ XDG_CACHE_HOME: join(root, "cache") });
    for (const bin of [process.execPath, NODE18]) {
      if (bin === NODE18 && !existsSync(NODE18)) {
        assert.ok(!process.env.CI, `${NODE18} is missing: scripts/setup.sh makes it`);
        t.diagnostic(`${NODE18} missing: Node 18 not tried`);
        continue;
      }
      const r = node(env, join(root, "bin", "skiff"), ["images", "--format", "json"], bin);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, "[]\n", ""], bin);
      // the shim's own file: a shim told of no container (stdin at its end) exits 0 at once
      const shim = node(env, join(root, "bin", "skiff"), ["__shim"], bin);
      assert.deepEqual([shim.code, shim.stdout, shim.stderr], [0, "", ""], `${bin}: the installed shim`);
    }
  });
});
