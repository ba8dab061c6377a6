/** Detached containers and their shim: state without a daemon, stop, crashes, concurrency, restarts, logs. */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { containerEnv, mountsUnder, processAlive, runtimeContainers, sk, stateOf, programRss, until } from "../helpers/containers.js";
import { BIN, requiresRoot, skiffAsync } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
const env = isRoot ? containerEnv() : {};
const idOf = (r: { stdout: string; stderr: string; code: number }) => {
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
  return r.stdout.trim();
};

const ppidOf = (pid: number) => Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
/** Command lines of the processes whose arguments mention `word`. */
function processesNaming(word: string): string[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").join(" ");
      return cmd.includes(word) ? [cmd] : [];
    } catch {
      return [];
    }
  });
}

describe("detached containers", () => {
  it("gives back the shim's start-up code and read-only data once the container runs, and keeps running it", async (t) => {
    if (!requiresRoot(t)) return;
    const id = idOf(sk(env, ["run", "-d", "bb", "sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; echo late; exit 3"]));
    const { shimPid } = stateOf(env, id);
    const resident = (perms?: string) => {
      assert.ok(processAlive(shimPid!), "the shim runs");
      return programRss(shimPid!, BIN, perms);
    };
    const started = resident(), startedData = resident("r--p");
    // two seconds after the start was recorded (shim.ts): the text's clean pages are unmapped, and
    // those of the read-only data
    await until("the start-up code to go", () => resident() < started / 2, 5000);
    await until("the read-only data to go", () => resident("r--p") < startedData / 2, 5000);
    // the code it needs later faults in again: the output and the exit are still recorded
    assert.equal(sk(env, ["exec", id, "touch", "/tmp/go"]).code, 0);
    assert.equal(sk(env, ["wait", id]).stdout, "3\n");
    assert.equal(sk(env, ["logs", id]).stdout, "late\n");
    const rm = sk(env, ["rm", id]);
    assert.equal(rm.code, 0, rm.stderr);
  });

  it("keeps a detached container's output and exit code, and its status after a signal", async (t) => {
    if (!requiresRoot(t)) return;
    idOf(sk(env, ["run", "-d", "--name", "brief", "bb", "sh", "-c", "echo out; echo err >&2; exit 7"]));
    assert.equal(sk(env, ["wait", "brief"]).stdout, "7\n");
    const logs = sk(env, ["logs", "brief"]);
    assert.deepEqual([logs.stdout, logs.stderr], ["out\n", "err\n"]);
    // its stdout closed, still running: the end is noticed anyway
    const quiet = idOf(sk(env, ["run", "-d", "bb", "sh", "-c", "exec >/dev/null 2>&1; sleep 1; exit 4"]));
    assert.equal(sk(env, ["wait", quiet]).stdout, "4\n");
    // killed by a signal: 128+N (from outside, a PID 1 dies of KILL only; other signals need its handler)
    const killed = idOf(sk(env, ["run", "-d", "bb", "sleep", "60"]));
    assert.equal(sk(env, ["kill", "-s", "KILL", killed]).code, 0);
    assert.equal(sk(env, ["wait", killed]).stdout, "137\n");
    await until("the runtime's state to go with the container's end", () => !runtimeContainers(env).includes(killed));
    sk(env, ["rm", "brief", quiet, killed]);
  });


  it("runs detached, lists, logs, stops with SIGKILL after the timeout, and removes", (t) => {
    if (!requiresRoot(t)) return;
    const id = idOf(sk(env, ["run", "-d", "--name", "ticker", "bb", "sh", "-c", "echo start; echo warn >&2; while true; do sleep 0.1; done"]));
    const ps = JSON.parse(sk(env, ["ps", "--format", "json"]).stdout);
    assert.equal(ps.length, 1);
    assert.equal(ps[0].Id, id);
    assert.equal(ps[0].State, "running");
    assert.deepEqual(ps[0].Names, ["ticker"]);
    assert.equal(sk(env, ["ps", "--format", "{{.Names}} {{.Status}}"]).stdout.startsWith("ticker Up"), true);
    // no runtime process stays beside a detached container: its init is the shim's own child
    const { pid, shimPid } = stateOf(env, id);
    assert.equal(ppidOf(pid!), shimPid);
    assert.deepEqual(processesNaming(id).filter((c) => c.includes("runc")), []);
    const logs = sk(env, ["logs", "ticker"]);
    assert.equal(logs.stdout, "start\n");
    assert.equal(logs.stderr, "warn\n");
    assert.match(sk(env, ["logs", "-t", "ticker"]).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z start\n$/);
    // sh as PID 1 ignores SIGTERM: stop must escalate to SIGKILL after -t
    const began = Date.now();
    assert.equal(sk(env, ["stop", "-t", "1", "ticker"]).stdout, "ticker\n");
    assert.ok(Date.now() - began >= 1000);
    const [info] = JSON.parse(sk(env, ["inspect", "ticker"]).stdout);
    assert.equal(info.State.Status, "exited");
    assert.equal(info.State.ExitCode, 137);
    assert.deepEqual(mountsUnder(env), []);
    assert.equal(sk(env, ["ps", "-q"]).stdout, "");
    assert.equal(sk(env, ["ps", "-a", "-q"]).stdout, `${id.slice(0, 12)}\n`);
    assert.equal(sk(env, ["rm", id.slice(0, 8)]).code, 0);
    assert.equal(sk(env, ["ps", "-a", "-q"]).stdout, "");
  });

  it("refuses to remove a running container without -f, and -f kills it", (t) => {
    if (!requiresRoot(t)) return;
    idOf(sk(env, ["run", "-d", "--name", "busy", "bb", "sleep", "60"]));
    const r = sk(env, ["rm", "busy"]);
    assert.equal(r.code, 2, "podman's exit code for a container in the wrong state");
    assert.match(r.stderr, /cannot remove container .* as it is running/);
    assert.equal(sk(env, ["rm", "-f", "busy"]).code, 0);
    assert.equal(sk(env, ["container", "exists", "busy"]).code, 1);
    assert.deepEqual(mountsUnder(env), []);
    assert.deepEqual(runtimeContainers(env), []);
    const missing = sk(env, ["rm", "busy"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no container with name or ID "busy" found/);
  });

  it("keeps running when the CLI of a foreground run is killed", async (t) => {
    if (!requiresRoot(t)) return;
    const child = spawn(BIN, ["run", "--name", "orphan", "bb", "sh", "-c", "echo up; sleep 60"], { env, stdio: ["ignore", "pipe", "pipe"] });
    await new Promise<void>((r) => child.stdout.once("data", () => r()));
    const closed = new Promise((r) => child.on("close", r));
    child.kill("SIGKILL");
    await closed;
    const [info] = JSON.parse(sk(env, ["inspect", "orphan"]).stdout);
    assert.equal(info.State.Status, "running");
    assert.ok(processAlive(info.State.Pid));
    assert.equal(sk(env, ["kill", "orphan"]).stdout, "orphan\n");
    assert.equal(sk(env, ["wait", "orphan"]).stdout, "137\n");
    assert.equal(sk(env, ["rm", "orphan"]).code, 0);
  });

  it("reports a container whose shim was SIGKILLed as exited and cleans it up", async (t) => {
    if (!requiresRoot(t)) return;
    const id = idOf(sk(env, ["run", "-d", "--name", "victim", "bb", "sleep", "60"]));
    const { shimPid } = stateOf(env, id);
    assert.ok(shimPid && processAlive(shimPid));
    process.kill(shimPid, "SIGKILL");
    await until("the shim to die", () => !processAlive(shimPid));
    const [row] = JSON.parse(sk(env, ["ps", "-a", "--format", "json"]).stdout);
    assert.equal(row.State, "exited");
    assert.equal(row.ExitCode, 137);
    const rm = sk(env, ["rm", "victim"]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.deepEqual(mountsUnder(env), []);
    assert.deepEqual(runtimeContainers(env), []);
  });

  it("reports an attached container whose shim (started after runc) was SIGKILLed, and cleans it up", async (t) => {
    if (!requiresRoot(t)) return;
    const cli = spawn(BIN, ["run", "--name", "victim2", "bb", "sleep", "60"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    cli.stderr.on("data", (d) => (stderr += String(d)));
    const closed = new Promise<number | null>((r) => cli.on("close", r));
    let shimPid = 0;
    let id = "";
    await until("the container to run", () => {
      const row = JSON.parse(sk(env, ["ps", "--format", "json"]).stdout)[0];
      // the shim records the container's pid once it is up
      const state = row?.State === "running" ? stateOf(env, row.Id) : undefined;
      if (state?.pid) [id, shimPid] = [row.Id, state.shimPid ?? 0];
      return shimPid > 0;
    });
    process.kill(shimPid, "SIGKILL");
    assert.equal(await closed, 125);
    // one line, whether the CLI was attached already or about to
    assert.match(stderr, /^Error: (container victim2: lost the connection to the container's shim|cannot attach to container [0-9a-f]{12}: .*)\n$/);
    const [row] = JSON.parse(sk(env, ["ps", "-a", "--format", "json"]).stdout);
    assert.deepEqual([row.State, row.ExitCode], ["exited", 137]);
    assert.equal(sk(env, ["rm", "victim2"]).code, 0);
    assert.deepEqual(mountsUnder(env), []);
    assert.deepEqual(runtimeContainers(env), []);
    // the orphaned `runc run` exits once rm killed its container
    await until("no process of the container to remain", () => processesNaming(id).length === 0, 5000);
  });

  it("lists containers as exited after a reboot (runroot emptied) and starts them again", (t) => {
    if (!requiresRoot(t)) return;
    const id = idOf(sk(env, ["run", "-d", "--name", "survivor", "bb", "sh", "-c", "echo boot; sleep 60"]));
    // a reboot: every process gone, /run empty
    const { shimPid } = stateOf(env, id);
    sk(env, ["kill", "survivor"]);
    sk(env, ["wait", "survivor"]);
    if (shimPid) try { process.kill(shimPid, "SIGKILL"); } catch { /* gone */ }
    // the kill may land while the shim is still unmounting; a reboot takes the mounts with it
    for (const m of mountsUnder(env).reverse()) spawnSync("umount", ["-l", m]);
    rmSync(env.SKIFF_RUNROOT!, { recursive: true, force: true });
    assert.equal(JSON.parse(sk(env, ["ps", "-a", "--format", "json"]).stdout)[0].State, "exited");
    assert.equal(sk(env, ["start", "survivor"]).stdout, "survivor\n");
    assert.equal(JSON.parse(sk(env, ["inspect", "survivor"]).stdout)[0].State.Status, "running");
    assert.equal(sk(env, ["rm", "-f", "survivor"]).code, 0);
  });

  it("survives 20 concurrent run/rm pairs with no lost or corrupted state", async (t) => {
    if (!requiresRoot(t)) return;
    const pairs = Array.from({ length: 20 }, async (_, i) => {
      const run = await skiffAsync(["run", "-d", "--name", `c${i}`, "bb", "sleep", "30"], { env, timeoutMs: 120000 });
      assert.equal(run.code, 0, run.stderr);
      const rm = await skiffAsync(["rm", "-f", `c${i}`], { env, timeoutMs: 120000 });
      assert.equal(rm.code, 0, rm.stderr);
    });
    await Promise.all(pairs);
    assert.equal(sk(env, ["ps", "-a", "-q"]).stdout, "");
    assert.deepEqual(mountsUnder(env), []);
    assert.deepEqual(runtimeContainers(env), []);
    assert.deepEqual(readdirSync(join(env.SKIFF_ROOT!, "containers")), []);
    assert.deepEqual(readdirSync(join(env.SKIFF_ROOT!, "container-names")), []);
  });

  it("refuses a second container with the same name", (t) => {
    if (!requiresRoot(t)) return;
    // what a removal killed half way leaves (a hidden .rm- directory) goes with the next create
    const leftover = join(env.SKIFF_ROOT!, "containers", `.rm-${"f".repeat(64)}`);
    mkdirSync(join(leftover, "upper"), { recursive: true });
    assert.equal(sk(env, ["create", "--name", "twin", "bb", "true"]).code, 0);
    assert.equal(existsSync(leftover), false);
    const r = sk(env, ["create", "--name", "twin", "bb", "true"]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /name "twin" is already in use/);
    const replaced = sk(env, ["create", "--replace", "--name", "twin", "bb", "echo", "new"]);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(JSON.parse(sk(env, ["ps", "-a", "--format", "json"]).stdout).length, 1);
    assert.equal(sk(env, ["start", "-a", "twin"]).stdout, "new\n");
    assert.equal(sk(env, ["rm", "twin"]).code, 0);
  });

  it("restarts on failure up to the limit, and never after stop", async (t) => {
    if (!requiresRoot(t)) return;
    const id = idOf(sk(env, ["run", "-d", "--name", "flaky", "--restart", "on-failure:2", "bb", "sh", "-c", "echo try; exit 3"]));
    await until("two restarts", () => stateOf(env, id).restartCount === 2 && stateOf(env, id).status === "exited" && !processAlive(stateOf(env, id).shimPid!), 20000);
    assert.equal(sk(env, ["logs", "flaky"]).stdout, "try\ntry\ntry\n");
    assert.equal(JSON.parse(sk(env, ["inspect", "flaky"]).stdout)[0].RestartCount, 2);
    const always = idOf(sk(env, ["run", "-d", "--name", "always", "--restart", "always", "bb", "sh", "-c", "sleep 0.2; exit 0"]));
    await until("a restart", () => stateOf(env, always).restartCount >= 1);
    assert.equal(sk(env, ["stop", "-t", "1", "always"]).code, 0);
    const after = stateOf(env, always).restartCount;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(stateOf(env, always).restartCount, after);
    assert.equal(JSON.parse(sk(env, ["inspect", "always"]).stdout)[0].State.Status, "exited");
    sk(env, ["rm", "-f", "flaky", "always"]);
  });

  it("rotates logs by size and file count and reads them back in order", async (t) => {
    if (!requiresRoot(t)) return;
    const r = sk(env, ["run", "--name", "chatty", "--log-opt", "max-size=2k", "--log-opt", "max-file=3", "bb", "sh", "-c", "for i in $(seq 1 400); do echo line-$i; done"]);
    assert.equal(r.code, 0, r.stderr);
    const log = join(env.SKIFF_ROOT!, "containers", JSON.parse(sk(env, ["inspect", "chatty"]).stdout)[0].Id, "ctr.log");
    assert.ok(existsSync(`${log}.1`) && existsSync(`${log}.2`));
    assert.equal(existsSync(`${log}.3`), false);
    for (const f of [log, `${log}.1`, `${log}.2`]) assert.ok(statSync(f).size <= 2048, f);
    const lines = sk(env, ["logs", "chatty"]).stdout.trim().split("\n");
    const first = Number(lines[0].slice(5));
    assert.ok(first > 1, "older lines were rotated away");
    assert.deepEqual(lines, Array.from({ length: 400 - first + 1 }, (_, i) => `line-${first + i}`));
    assert.deepEqual(sk(env, ["logs", "--tail", "2", "chatty"]).stdout, "line-399\nline-400\n");
    sk(env, ["rm", "chatty"]);
  });

  it("follows logs until the container exits", async (t) => {
    if (!requiresRoot(t)) return;
    idOf(sk(env, ["run", "-d", "--name", "follow", "bb", "sh", "-c", "for i in 1 2 3; do echo n$i; sleep 0.3; done"]));
    const r = await skiffAsync(["logs", "-f", "follow"], { env, timeoutMs: 20000 });
    assert.equal(r.stdout, "n1\nn2\nn3\n");
    sk(env, ["rm", "follow"]);
  });
});
