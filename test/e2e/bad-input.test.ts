/**
 * Malformed command lines end cleanly: a non-zero exit that is not a runtime's 126/127 (the value
 * is refused before anything is created), exactly one "Error:" line on stderr, never "internal
 * error", control characters shown escaped, and the store as it was.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { containerEnv, sk } from "../helpers/containers.js";
import { isolatedEnv, requiresRoot } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), "skiff-bad-"));
const LONG = "a".repeat(5000);
let env: NodeJS.ProcessEnv;

const LINES: string[][] = [
  ["inspect", LONG], ["volume", "create", LONG], ["volume", "inspect", LONG], ["volume", "rm", LONG],
  ["network", "create", LONG], ["network", "inspect", LONG], ["network", "rm", LONG], ["network", "connect", LONG, "up"],
  ["create", "--name", LONG, "bb"], ["rm", LONG], ["rmi", LONG], ["tag", "bb", LONG], ["logs", LONG], ["export", LONG],
  ["import", "/etc"], ["load", "-i", "/etc"], ["import", join(work, "random.bin")], ["load", "-i", join(work, "random.bin")],
  ["run", "--rm", "--platform", "x/y/z/w", "bb", "sh"], ["ps", "--filter", "status=nope"], ["run", "--rm", "--memory", "1b", "bb", "sh"],
  ["run", "--rm", "-v", "/tmp:/", "bb", "sh"], ["run", "--rm", "--hostname", LONG, "bb", "sh"], ["run", "--rm", "--dns", "not-an-ip", "bb", "sh"],
  ["run", "--rm", "--add-host", "noip", "bb", "sh"], ["run", "--rm", "--mount", "type=tmpfs,dst=/", "bb", "sh"],
  ["inspect", "bad\nname"], ["rm", "bad\nname"], ["volume", "create", "bad\nname"], ["run", "--rm", "--name", "bad\nname", "bb", "sh"],
  ["run", "--rm", "--env-file", "/dev/zero", "bb", "sh"], ["run", "--rm", "--env-file", join(work, "fifo"), "bb", "sh"], ["run", "--rm", "--env-file", "/etc", "bb", "sh"],
  ["run", "--rm", "--cidfile", "/nonexistent/dir/cid", "bb", "sh"],
  ["run", "--rm", "--ulimit", "nproc=-5", "bb", "sh"], ["run", "--rm", "--memory", "99999999999999999g", "bb", "sh"], ["run", "--rm", "--tmpfs", "/x:size=abc", "bb", "sh"],
  ["run", "--rm", "--sysctl", "kernel.hostname=x", "bb", "sh"], ["run", "--rm", "-v", "vol:/x:ro,rw", "bb", "sh"], ["run", "--rm", "--mount", "type=tmpfs,dst=/x,tmpfs-mode=9z", "bb", "sh"],
];

/** Everything a user stored, as the CLI lists it. */
function store(): string {
  const ps = (JSON.parse(sk(env, ["ps", "-a", "--format", "json"]).stdout) as { Id: string; Names: string[]; State: string }[]).map((c) => `${c.Id} ${c.Names} ${c.State}`).join(",");
  return [ps, ...["images --format {{.ID}}{{.Names}}", "volume ls -q", "network ls -q"].map((c) => sk(env, c.split(" ")).stdout)].join("|");
}

describe("bad input", () => {
  before(() => {
    if (!isRoot) return;
    env = containerEnv();
    assert.equal(sk(env, ["run", "-d", "--name", "up", "bb", "sleep", "300"]).code, 0);
    writeFileSync(join(work, "random.bin"), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
    execFileSync("mkfifo", [join(work, "fifo")]);
  });
  after(() => {
    if (!isRoot) return;
    sk(env, ["rm", "-af", "-t", "0"]);
    rmSync(work, { recursive: true, force: true });
  });

  for (const args of LINES) {
    it(args.join(" ").replace(LONG, "<5000 characters>").replace("\n", "\\n"), (t) => {
      if (!requiresRoot(t)) return;
      const before = store();
      const r = sk(env, args, { timeoutMs: 20000 });
      assert.notEqual(r.code, 0);
      assert.ok(r.code !== 126 && r.code !== 127 && r.code !== 137, `exit ${r.code}: the value reached the runtime (${r.stderr})`);
      assert.match(r.stderr, /^Error: [^\n]+\n$/, "exactly one error line");
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
      assert.ok(r.stdout === "" || r.stdout === "[]\n", `stdout: ${r.stdout}`);
      assert.equal(store(), before, "the store is as it was");
    });
  }

  it("load and import of mutated archives (cut, bit flips, inserted bytes) end in one line or succeed, never worse", (t) => {
    if (!requiresRoot(t)) return;
    const saved = [join(work, "d.tar"), join(work, "o.tar")];
    assert.equal(sk(env, ["save", "-o", saved[0], "bb"]).code, 0);
    assert.equal(sk(env, ["save", "--format", "oci-archive", "-o", saved[1], "bb"]).code, 0);
    let x = 20261201;
    const rand = (n: number) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
    for (const file of saved) {
      const data = readFileSync(file);
      for (let i = 0; i < 20; i++) {
        let b = Buffer.from(data);
        const kind = rand(3);
        if (kind === 0) b = b.subarray(0, rand(b.length));
        else if (kind === 1) for (let k = 0; k < 1 + rand(20); k++) b[rand(b.length)] ^= 1 << rand(8);
        else { const at = rand(b.length); b = Buffer.concat([b.subarray(0, at), Buffer.alloc(1 + rand(2000), rand(256)), b.subarray(at)]); }
        const mutated = join(work, "mutated.tar");
        writeFileSync(mutated, b);
        const fresh = isolatedEnv();
        for (const args of [["load", "-i", mutated], ["import", mutated, "mut"]]) {
          const r = sk(fresh, args, { timeoutMs: 60000 });
          const what = `${args[0]} of ${file} mutation ${i} (kind ${kind})`;
          if (r.code === 0) continue;
          assert.equal(r.code, 125, `${what}: exit ${r.code} ${r.stderr}`);
          assert.match(r.stderr, /^Error: [^\n]+\n$/, what);
          assert.doesNotMatch(r.stderr, /internal error/, what);
        }
        const listed = sk(fresh, ["images"]);
        assert.equal(listed.code, 0, listed.stderr);
      }
    }
  });
});
