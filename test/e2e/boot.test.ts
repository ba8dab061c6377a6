/**
 * A reboot, simulated: every shim and container killed, the runroot emptied; then the command the
 * shipped boot units run (contrib/: systemd, OpenRC, sysvinit). Containers whose policy says so run
 * again (always; unless-stopped unless the user stopped it); the others stay exited.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { containerEnv, mountsUnder, sk, stateOf } from "../helpers/containers.js";
import { REPO } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;

/** The skiff command line a boot unit runs, from its file. */
function bootCommand(file: string, pattern: RegExp): string[] {
  const line = pattern.exec(readFileSync(join(REPO, file), "utf8"))![1];
  return line.trim().split(/\s+/).filter((w) => w !== ">/dev/null").slice(1);
}

describe("boot", { skip: isRoot ? false : "needs root (runc, mounts)" }, () => {
  const env = isRoot ? containerEnv() : {};
  after(() => { sk(env, ["rm", "-a", "-f", "-t", "0"], { timeoutMs: 60000 }); });

  it("the boot units start what the restart policies say after a reboot, and nothing else", () => {
    const run = (name: string, flags: string[]) => assert.equal(sk(env, ["run", "-d", "--network", "none", "--name", name, ...flags, "bb", "sleep", "600"]).code, 0, name);
    run("always", ["--restart", "always"]);
    run("unless", ["--restart", "unless-stopped"]);
    run("stopped", ["--restart", "unless-stopped"]);
    run("onfail", ["--restart", "on-failure"]);
    run("none", []);
    assert.equal(sk(env, ["stop", "-t", "0", "stopped"]).code, 0);
    // the reboot: shims and containers gone, nothing mounted, the runroot empty (a tmpfs at boot)
    for (const name of ["always", "unless", "onfail", "none"]) {
      const s = stateOf(env, JSON.parse(sk(env, ["inspect", name]).stdout)[0].Id);
      for (const pid of [s.shimPid, s.pid]) if (pid) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    }
    spawnSync("sleep", ["0.3"]);
    for (const m of mountsUnder(env)) spawnSync("umount", ["-l", m]);
    rmSync(env.SKIFF_RUNROOT!, { recursive: true, force: true });
    assert.equal(existsSync(env.SKIFF_RUNROOT!), false);
    const status = () => Object.fromEntries(sk(env, ["ps", "-a", "--format", "{{.Names}} {{.State}}"]).stdout.trim().split("\n").map((l) => l.toLowerCase().split(" ")));
    assert.ok(Object.values(status()).every((s) => s === "exited"), JSON.stringify(status()));
    // what the systemd unit runs (the OpenRC and sysvinit scripts run the same)
    const cmd = bootCommand("contrib/systemd/skiff-restart.service", /^ExecStart=(.*)$/m);
    assert.deepEqual(cmd, bootCommand("contrib/openrc/skiff-restart", /^\t(\/usr\/local\/bin\/skiff .*)$/m));
    assert.deepEqual(cmd, bootCommand("contrib/init.d/skiff-restart", /start\) (\/usr\/local\/bin\/skiff [^;]*)/));
    const r = sk(env, cmd, { timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(status(), { always: "up", unless: "up", stopped: "exited", onfail: "exited", none: "exited" });
    // and they are supervised again: the restart policy still works
    const id = JSON.parse(sk(env, ["inspect", "always"]).stdout)[0].Id;
    process.kill(stateOf(env, id).pid!, "SIGKILL");
    spawnSync("sleep", ["1.5"]);
    assert.equal(status().always, "up");
  });
});

describe("generate systemd", { skip: isRoot ? false : "needs root (runc)" }, () => {
  const env = isRoot ? containerEnv() : {};
  after(() => { sk(env, ["rm", "-a", "-f", "-t", "0"], { timeoutMs: 60000 }); });

  it("--new --files: a unit whose commands make, supervise (PIDFile = the shim) and remove the container", () => {
    assert.equal(sk(env, ["run", "-d", "--name", "web", "--network", "none", "-e", "A=1", "bb", "sleep", "600"]).code, 0);
    const dir = mkdtempSync(join(tmpdir(), "skiff-units-"));
    const r = sk(env, ["generate", "systemd", "--new", "--files", "--name", "--time", "2", "web"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), join(dir, "container-web.service"));
    const unit = readFileSync(r.stdout.trim(), "utf8");
    assert.match(unit, /^Type=forking$/m);
    assert.match(unit, /^PIDFile=%t\/%n\.pid$/m);
    // what systemd would run, with its specifiers filled in
    const line = (key: string) => /^(?:\S+)=(.*)$/m.exec(unit.split("\n").filter((l) => l.startsWith(`${key}=`))[0])![1].replace(/%t/g, dir).replace(/%n/g, "container-web.service");
    const exec = (key: string) => spawnSync("sh", ["-c", line(key)], { env, encoding: "utf8", timeout: 60000 });
    assert.equal(sk(env, ["rm", "-f", "web"]).code, 0);
    assert.equal(exec("ExecStartPre").status, 0);
    const start = exec("ExecStart");
    assert.equal(start.status, 0, start.stderr);
    const id = readFileSync(join(dir, "container-web.service.ctr-id"), "utf8").trim();
    assert.equal(Number(readFileSync(join(dir, "container-web.service.pid"), "utf8")), stateOf(env, id).shimPid);
    assert.equal(sk(env, ["exec", "web", "sh", "-c", "echo $A"]).stdout, "1\n", "the container's own flags");
    assert.equal(exec("ExecStop").status, 0);
    assert.equal(exec("ExecStopPost").status, 0);
    assert.equal(sk(env, ["container", "exists", "web"]).code, 1);
    rmSync(dir, { recursive: true, force: true });
  });
});
