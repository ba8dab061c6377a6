/** diff, export and cp: a container's files from the outside, never escaping its root. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { containerEnv, sk } from "../helpers/containers.js";
import { BIN, requiresRoot } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
const env = isRoot ? containerEnv() : {};
const work = mkdtempSync(join(tmpdir(), "skiff-files-"));

describe("container files", () => {
  it("diff lists what the container added, changed and deleted (not its mount points)", (t) => {
    if (!requiresRoot(t)) return;
    const r = sk(env, ["run", "--name", "changer", "-v", "/vol", "bb", "sh", "-c", "echo hi > /newfile; rm /bin/id; mkdir -p /d/e; echo x > /d/e/f; chown 1000:50 /d/e/f"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sk(env, ["diff", "changer"]).stdout, "C /bin\nD /bin/id\nA /d\nA /d/e\nA /d/e/f\nA /newfile\n");
    const json = JSON.parse(sk(env, ["diff", "--format", "json", "changer"]).stdout);
    assert.deepEqual(json.deleted, ["/bin/id"]);
  });

  it("exports the merged filesystem as a tar with owners, equal to the container's view", (t) => {
    if (!requiresRoot(t)) return;
    const tar = join(work, "export.tar");
    assert.equal(sk(env, ["export", "-o", tar, "changer"]).code, 0);
    const listing = execFileSync("tar", ["-tvf", tar, "--numeric-owner"], { encoding: "utf8" });
    assert.match(listing, /1000\/50 .* d\/e\/f\n/);
    assert.match(listing, / bin\/sh -> busybox\n/);
    assert.doesNotMatch(listing, / bin\/id/);
    const out = join(work, "x");
    execFileSync("mkdir", ["-p", out]);
    execFileSync("tar", ["-xpf", tar, "-C", out]);
    assert.equal(readFileSync(join(out, "newfile"), "utf8"), "hi\n");
    assert.equal(statSync(join(out, "d/e/f")).uid, 1000);
    assert.ok(readFileSync(join(out, "bin/busybox")).equals(readFileSync("/bin/busybox")));
  });

  it("export and save to a pipe whose reader goes away: a quiet end, as every command's output (no EPIPE error)", (t) => {
    if (!requiresRoot(t)) return;
    // was "Error: internal error: EPIPE: broken pipe", exit 125 (podman dies of SIGPIPE)
    const err = join(work, "pipe.err");
    for (const cmd of ["export changer", "save bb"]) {
      const r = spawnSync("bash", ["-c", `"$0" ${cmd} 2>"$1" | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`, BIN, err], { env, encoding: "utf8" });
      assert.deepEqual([r.stdout, readFileSync(err, "utf8")], ["0\n", ""], cmd);
    }
  });

  it("copies out of a stopped container: directories, files, contents with /.", (t) => {
    if (!requiresRoot(t)) return;
    const dest = mkdtempSync(join(work, "out-"));
    assert.equal(sk(env, ["cp", "changer:/d", dest]).code, 0);
    assert.equal(readFileSync(join(dest, "d/e/f"), "utf8"), "x\n");
    assert.equal(statSync(join(dest, "d/e/f")).uid, process.getuid!(), "owned by the caller, as podman's");
    assert.equal(sk(env, ["cp", "changer:/newfile", join(dest, "renamed")]).code, 0);
    assert.equal(readFileSync(join(dest, "renamed"), "utf8"), "hi\n");
    const contents = mkdtempSync(join(work, "contents-"));
    assert.equal(sk(env, ["cp", "changer:/d/.", contents]).code, 0);
    assert.deepEqual(readdirSync(contents), ["e"]);
    const missing = sk(env, ["cp", "changer:/nope", dest]);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /no such file or directory/);
  });

  it("copies into a running container, and a symlink in it cannot send the copy to the host", (t) => {
    if (!requiresRoot(t)) return;
    sk(env, ["run", "-d", "--name", "target", "bb", "sh", "-c", "ln -s / /tmp/escape; ln -s /etc /tmp/etc-link; sleep 60"]);
    const src = join(work, "payload");
    writeFileSync(src, "payload\n");
    assert.equal(sk(env, ["cp", src, "target:/tmp/"]).code, 0);
    assert.equal(sk(env, ["exec", "target", "cat", "/tmp/payload"]).stdout, "payload\n");
    const hostile = `/skiff-cp-escape-${process.pid}`;
    const r = sk(env, ["cp", src, `target:/tmp/escape${hostile}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(hostile), false, "nothing written on the host's /");
    assert.equal(sk(env, ["exec", "target", "cat", hostile]).stdout, "payload\n");
    assert.equal(JSON.parse(sk(env, ["inspect", "target"]).stdout)[0].State.Status, "running", "unpaused after the copy");
    rmSync(hostile, { force: true });
  });

  it("never follows a symlink planted at the log path: no host file is appended to or printed", async (t) => {
    if (!requiresRoot(t)) return;
    const dir = mkdtempSync(join(work, "logdir-"));
    const victim = join(work, "victim");
    writeFileSync(victim, "host secret\n");
    symlinkSync(victim, join(dir, "ctr.log"));
    const r = sk(env, ["run", "--name", "logvictim", "--log-opt", `path=${join(dir, "ctr.log")}`, "bb", "echo", "appended"]);
    assert.notEqual(r.code, 0, "a log path that is a symlink is refused");
    assert.equal(readFileSync(victim, "utf8"), "host secret\n", "nothing was appended to the host file");
    // a container that swaps its log for a symlink later: logs never prints what it points at
    rmSync(join(dir, "ctr.log"));
    sk(env, ["rm", "-f", "logvictim"]);
    assert.equal(sk(env, ["run", "--name", "logvictim2", "--log-opt", `path=${join(dir, "ctr.log")}`, "bb", "echo", "mine"]).code, 0);
    rmSync(join(dir, "ctr.log"));
    symlinkSync(victim, join(dir, "ctr.log"));
    const logs = sk(env, ["logs", "logvictim2"]);
    assert.doesNotMatch(logs.stdout + logs.stderr, /host secret/);
    assert.match(logs.stderr, /^Error: log file .* is a symbolic link\n$/);
    sk(env, ["rm", "-f", "logvictim2"]);
  });

  it("needs a container on exactly one side", (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(sk(env, ["cp", "/a", "/b"]).code, 125);
    assert.equal(sk(env, ["cp", "target:/a", "changer:/b"]).code, 125);
    sk(env, ["rm", "-f", "target", "changer"]);
  });
});
