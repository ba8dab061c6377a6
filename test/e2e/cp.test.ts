/**
 * `cp` as podman does it, and as an attacker meets it: the same scenarios run by podman 4.3 and by
 * skiff (owners with and without -a, tar on stdin and stdout, volumes of a running container,
 * what is refused), then a container that swaps a path between a directory and a symlink to the
 * host while we copy out of it.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sk } from "../helpers/containers.js";
import { both as bothTools, sideBySide, type Podman, type SideBySide, type Tool } from "../helpers/podman.js";
import { BIN, requiresRoot } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), "skiff-cp-"));
let env: NodeJS.ProcessEnv;
let podman: Podman;
let tools: SideBySide["tools"];
const both = <T>(scenario: (run: Tool, tag: string) => T) => bothTools(tools, scenario);

describe("cp", () => {
  before(() => {
    if (!isRoot) return;
    ({ env, podman, tools } = sideBySide());
    writeFileSync(join(work, "hostf"), "host file\n");
    chownSync(join(work, "hostf"), 1234, 1234);
    mkdirSync(join(work, "hd"));
    writeFileSync(join(work, "hd", "z"), "z\n");
  });
  after(() => {
    if (!isRoot) return;
    podman.dispose();
    sk(env, ["rm", "-af", "-t", "0"]);
    rmSync(work, { recursive: true, force: true });
  });

  it("owns what goes in by the container's user (-a), keeps the source's with -a=false, and what comes out by the caller", (t) => {
    if (!requiresRoot(t)) return;
    const seen = both((run, tag) => {
      const name = `own-${tag}`;
      assert.equal(run(["create", "--name", name, "-u", "1000:1000", "bb", "sleep", "300"]).code, 0);
      const a = run(["cp", join(work, "hostf"), `${name}:/tmp/a`]).code;
      const b = run(["cp", "-a=false", join(work, "hostf"), `${name}:/tmp/b`]).code;
      run(["start", name]);
      const owners = run(["exec", name, "sh", "-c", "ls -ln /tmp/a /tmp/b | awk '{print $3\":\"$4}'"]).stdout;
      run(["exec", name, "sh", "-c", "mkdir -p /tmp/d && echo in > /tmp/d/f && chown -R 1000:1000 /tmp/d"]);
      const out = join(work, `out-${tag}`);
      const c = run(["cp", `${name}:/tmp/d`, out]).code;
      const st = execFileSync("stat", ["-c", "%u:%g", join(out, "f")], { encoding: "utf8" });
      run(["rm", "-f", "-t", "0", name]);
      return { a, b, c, owners, out: st, content: readFileSync(join(out, "f"), "utf8") };
    });
    assert.deepEqual(seen.skiff, seen.podman);
    assert.equal(seen.skiff.owners, "1000:1000\n1234:1234\n");
  });

  it("writes a tar to stdout with -, reads one from stdin with -, and copies into a running container's volume", (t) => {
    if (!requiresRoot(t)) return;
    const tarIn = execFileSync("tar", ["-C", work, "-cf", "-", "hostf"]).toString("latin1");
    const seen = both((run, tag) => {
      const name = `io-${tag}`;
      run(["run", "-d", "--name", name, "-v", `vol-${tag}:/data`, "bb", "sleep", "300"]);
      run(["exec", name, "sh", "-c", "mkdir -p /tmp/dir && echo x > /tmp/dir/x"]);
      const argv = tag === "p" ? podman.argv : [BIN];
      const out = spawnSync("bash", ["-c", `"$@" | tar -t`, "_", ...argv, "cp", `${name}:/tmp/dir`, "-"], { encoding: "utf8", env: tag === "p" ? podman.env : env });
      const inRc = run(["cp", "-", `${name}:/tmp`], tarIn).code;
      const fromStdin = run(["exec", name, "cat", "/tmp/hostf"]).stdout;
      const notDir = run(["cp", "-", `${name}:/tmp/hostf`], tarIn).code;
      const vol = run(["cp", join(work, "hostf"), `${name}:/data/v`]).code;
      const other = run(["run", "--rm", "-v", `vol-${tag}:/data`, "bb", "cat", "/data/v"]).stdout;
      run(["rm", "-f", "-t", "0", name]);
      return { listing: out.stdout, inRc, fromStdin, notDir, vol, other };
    });
    assert.deepEqual(seen.skiff, seen.podman);
    assert.equal(seen.skiff.listing, "dir\ndir/x\n");
    assert.equal(seen.skiff.other, "host file\n");
  });

  it("reaches a stopped container's volumes and bind mounts, both ways", (t) => {
    if (!requiresRoot(t)) return;
    const seen = both((run, tag) => {
      const bind = mkdtempSync(join(work, `bind-${tag}-`));
      writeFileSync(join(bind, "fromhost"), "bound\n");
      const name = `stopped-${tag}`;
      run(["create", "--name", name, "-v", `cpvol-${tag}:/data`, "-v", `${bind}:/bound`, "bb", "sh", "-c", "cat /data/in; cat /bound/fromhost; echo made > /data/out"]);
      const copyIn = run(["cp", join(work, "hostf"), `${name}:/data/in`]).code;
      const started = run(["start", "-a", name]).stdout;
      const out = join(work, `vol-out-${tag}`);
      const copyOut = run(["cp", `${name}:/data/out`, out]).code;
      const bound = join(work, `bind-out-${tag}`);
      const copyBound = run(["cp", `${name}:/bound/fromhost`, bound]).code;
      run(["rm", "-f", "-t", "0", name]);
      run(["volume", "rm", `cpvol-${tag}`]);
      return { copyIn, started, copyOut, out: readFileSync(out, "utf8"), copyBound, bound: readFileSync(bound, "utf8") };
    });
    assert.deepEqual(seen.skiff, seen.podman);
    assert.equal(seen.skiff.started, "host file\nbound\n");
  });

  it("refuses what podman refuses, with podman's messages", (t) => {
    if (!requiresRoot(t)) return;
    const seen = both((run, tag) => {
      const name = `no-${tag}`;
      run(["run", "-d", "--name", name, "bb", "sleep", "300"]);
      run(["exec", name, "sh", "-c", "echo f > /tmp/file"]);
      const cases = [
        ["cp", join(work, "hd"), `${name}:/tmp/file`],
        ["cp", `${name}:/nope`, join(work, "x")],
        ["cp", join(work, "nope"), `${name}:/tmp`],
        ["cp", join(work, "hostf"), `${name}:/nodir/x`],
      ].map((args) => {
        const r = run(args);
        return { code: r.code, error: r.stderr.trim().split("\n").pop()!.replace(/Error: /, "") };
      });
      run(["rm", "-f", "-t", "0", name]);
      return cases.map((c) => ({ ...c, error: c.error.replace(name, "CTR") }));
    });
    assert.deepEqual(seen.skiff, seen.podman);
  });

  it("never copies a host file out of a container that swaps a directory for a symlink to it", (t) => {
    if (!requiresRoot(t)) return;
    // the host has /tmp/…/secret; the container's /r flips between its own directory and a link there
    const hostDir = mkdtempSync(join(tmpdir(), "skiff-host-secret-"));
    writeFileSync(join(hostDir, "secret"), "HOST SECRET\n");
    const flip = `mkdir -p /rd; echo mine > /rd/secret; while :; do mv /rd /r; mv /r /rd; ln -s ${hostDir} /r; rm /r; done`;
    assert.equal(sk(env, ["run", "-d", "--name", "flipper", "bb", "sh", "-c", flip]).code, 0);
    let copied = 0;
    for (let i = 0; i < 150; i++) {
      const dest = join(work, `flip-${i}`);
      const r = sk(env, ["cp", "flipper:/r/secret", dest]);
      if (r.code !== 0) {
        assert.match(r.stderr, /could not be found|not a directory/, r.stderr);
        continue;
      }
      assert.equal(readFileSync(dest, "utf8"), "mine\n", `round ${i}`);
      copied++;
    }
    sk(env, ["rm", "-f", "-t", "0", "flipper"]);
    rmSync(hostDir, { recursive: true, force: true });
    assert.ok(copied > 0, "no round copied anything");
  });
});

