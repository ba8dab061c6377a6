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

describe("scripts/install.sh", () => {
  const install = (args: string[]) => spawnSync("bash", [join(REPO, "scripts", "install.sh"), ...args], { encoding: "utf8" });
  const units = { systemd: ["etc/systemd/system/skiff-restart.service", /^ExecStart=(.*)$/m], openrc: ["etc/init.d/skiff-restart", /^\t(\/opt\/sk\/bin\/skiff .*)$/m], sysv: ["etc/init.d/skiff-restart", /start\) (\/opt\/sk\/bin\/skiff [^;]*)/] } as const;

  it("stages the executable, man pages, completions and each init system's boot unit for another prefix", () => {
    const shipped = bootCommand("contrib/systemd/skiff-restart.service", /^ExecStart=(.*)$/m);
    for (const [init, [path, pattern]] of Object.entries(units)) {
      const dest = mkdtempSync(join(tmpdir(), `skiff-install-${init}-`));
      try {
        const r = install(["--destdir", dest, "--prefix", "/opt/sk", "--init", init]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, `installed skiff in ${dest}/opt/sk (boot unit: ${init})\n`);
        const text = readFileSync(join(dest, path), "utf8");
        assert.doesNotMatch(text, /\/usr\/local\/bin/, `${init}: the prefix is written into the unit`);
        const line = pattern.exec(text)?.[1];
        assert.ok(line, `${init}: a start command`);
        assert.deepEqual(line.trim().split(/\s+/).filter((w) => w !== ">/dev/null").slice(1), shipped, `${init}: the same command`);
        assert.equal(spawnSync("stat", ["-c", "%a", join(dest, path)], { encoding: "utf8" }).stdout.trim(), init === "systemd" ? "644" : "755");
        const v = spawnSync(join(dest, "opt/sk/bin/skiff"), ["--version"], { encoding: "utf8" });
        assert.match(v.stdout, /^skiff version /);
        const pages = (d: string) => spawnSync("ls", [d], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).length;
        assert.equal(pages(join(dest, "opt/sk/share/man/man1")), pages(join(REPO, "man")));
        for (const c of ["share/bash-completion/completions/skiff", "share/zsh/site-functions/_skiff", "share/fish/vendor_completions.d/skiff.fish"]) assert.ok(existsSync(join(dest, "opt/sk", c)), c);
      } finally {
        rmSync(dest, { recursive: true, force: true });
      }
    }
  });

  it("refuses bad arguments in one line, and installs no unit into a staging directory unless asked", () => {
    const dest = mkdtempSync(join(tmpdir(), "skiff-install-"));
    try {
      for (const [args, message] of [[["--init", "upstart"], /^install: unknown --init upstart .*\n$/], [["--prefix", "usr"], /^install: --prefix must be an absolute path, not usr\n$/], [["--bogus"], /^install: unknown argument --bogus/], [["--executable", "/nonexistent"], /^install: \/nonexistent is not an executable/]] as const) {
        const r = install(["--destdir", dest, ...args]);
        assert.deepEqual([r.status, message.test(r.stderr)], [125, true], `${args.join(" ")}: ${r.stderr}`);
      }
      const r = install(["--destdir", dest]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /\(boot unit: none\)/);
      assert.equal(existsSync(join(dest, "etc")), false);
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });
});
