/**
 * Health checks run by the shim with real runc: healthy, unhealthy after its retries, a start
 * period that hides early failures, a probe that hangs past its timeout, each --health-on-failure
 * action, no checks while paused or stopped and a fresh start on restart, a killed shim; and
 * `healthcheck run` and `ps --filter health=` as podman's (podman runs its checks only on demand here:
 * without systemd timers they never run by themselves).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { makeContext } from "../helpers/build.js";
import { containerEnv, sk, stateOf, programRss, until } from "../helpers/containers.js";
import { sideBySide, both, type SideBySide } from "../helpers/podman.js";
import { BIN, LAUNCHERS } from "../helpers/skiff.js";
import { childrenOf, zombieChildren } from "../../src/container/liveness.js";

const isRoot = process.getuid?.() === 0;

interface Health { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string }[] | null }

describe("health checks in the shim", { skip: isRoot ? false : "needs root (runc)" }, () => {
  const env = isRoot ? containerEnv() : {};
  const health = (name: string): Health => JSON.parse(sk(env, ["inspect", name, "--format", "{{json .State.Health}}"]).stdout);
  const status = (name: string) => sk(env, ["ps", "-a", "--filter", `name=^${name}$`, "--format", "{{.Status}}"]).stdout.trim();
  const run = (name: string, flags: string[], cmd = ["sleep", "300"]) => {
    const r = sk(env, ["run", "-d", "--name", name, ...flags, "bb", ...cmd]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  after(() => { sk(env, ["rm", "-a", "-f", "-t", "0"], { timeoutMs: 120000 }); });

  it("turns healthy, and unhealthy after its retries with the output of each probe", async () => {
    run("good", ["--health-cmd", "true", "--health-interval", "300ms"]);
    const waited = sk(env, ["wait", "--condition", "healthy", "good"], { timeoutMs: 20000 });
    assert.deepEqual([waited.code, waited.stdout], [0, "-1\n"]);
    run("bad", ["--health-cmd", "echo nope; exit 3", "--health-interval", "300ms", "--health-retries", "2"]);
    assert.match(status("good"), /\((starting|healthy)\)$/);
    await until("good healthy", () => health("good").Status === "healthy");
    await until("bad unhealthy", () => health("bad").Status === "unhealthy");
    const h = health("bad");
    assert.ok(h.FailingStreak >= 2);
    assert.deepEqual(h.Log!.at(-1), { ...h.Log!.at(-1)!, ExitCode: 1, Output: "nope" });
    assert.ok(h.Log!.length <= 5);
    assert.match(status("bad"), /^Up .* \(unhealthy\)$/);
    assert.equal(sk(env, ["ps", "--filter", "health=unhealthy", "--format", "{{.Names}}"]).stdout, "bad\n");
    assert.equal(sk(env, ["ps", "--filter", "health=healthy", "--format", "{{.Names}}"]).stdout, "good\n");
    const cfg = JSON.parse(sk(env, ["inspect", "bad", "--format", "{{json .Config.Healthcheck}}"]).stdout);
    assert.deepEqual(cfg, { Test: ["CMD-SHELL", "echo nope; exit 3"], Interval: 300e6, Timeout: 30e9, Retries: 2 });
  });

  it("takes the image's HEALTHCHECK (a docker-format build), which --no-healthcheck and --health-cmd none turn off", async () => {
    const dir = makeContext({ Containerfile: "FROM bb\nHEALTHCHECK --interval=300ms --retries=1 CMD [\"true\"]\n" });
    assert.equal(sk(env, ["build", "--format", "docker", "--network", "none", "-q", "-t", "checked:1", dir], { timeoutMs: 60000 }).code, 0);
    const img = sk(env, ["run", "-d", "--name", "imgcheck", "checked:1", "sleep", "300"]);
    assert.equal(img.code, 0, img.stderr);
    await until("healthy by the image's check", () => health("imgcheck").Status === "healthy");
    for (const [name, flags] of [["nocheck", ["--no-healthcheck"]], ["nonecheck", ["--health-cmd", "none"]]] as [string, string[]][]) {
      assert.equal(sk(env, ["run", "-d", "--name", name, ...flags, "checked:1", "sleep", "300"]).code, 0);
      assert.equal(health(name).Status, "", `${name}: no health`);
      assert.match(sk(env, ["ps", "--filter", "health=none", "--format", "{{.Names}}"]).stdout, new RegExp(name));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("on Node (a shim made a subreaper by perl): a probe past its timeout is killed, and its container still stops", async () => {
    const node = (args: string[]) => sk(env, args, { launch: LAUNCHERS.node, timeoutMs: 30000 });
    const r = node(["run", "-d", "--name", "nodehang", "--health-cmd", "sleep 30", "--health-interval", "300ms", "--health-timeout", "1s", "--health-retries", "1", "bb", "sleep", "300"]);
    assert.equal(r.code, 0, r.stderr);
    await until("timed-out probes", () => (health("nodehang").Log ?? []).length >= 4, 30000);
    assert.deepEqual([health("nodehang").Status, health("nodehang").Log![0].ExitCode], ["unhealthy", -1]);
    // no probe left to the shim as a zombie (it cannot reap on Node): one of the container's PID
    // namespace would keep the namespace, and so the container's end, waiting
    const { shimPid } = stateOf(env, r.stdout.trim());
    assert.deepEqual(zombieChildren(shimPid!), []);
    // each probe's runc runs under perl's reaping wrapper, what runc leaves is perl's to reap
    const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    let wrapper: string[] = [];
    await until("a probe's runtime under perl", () => {
      for (const child of childrenOf(shimPid!)) {
        try {
          const argv = cmdline(child);
          if (argv[0].endsWith("perl") && argv.some((a) => a.endsWith("runc"))) wrapper = argv;
        } catch { /* gone */ }
      }
      return wrapper.length > 0;
    }, 10000);
    assert.ok(wrapper.includes("exec"), wrapper.join(" "));
    const stopped = node(["stop", "-t", "1", "nodehang"]);
    assert.deepEqual([stopped.code, node(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "nodehang"]).stdout], [0, "exited 137\n"]);
    await until("the shim to go", () => !existsSync(`/proc/${shimPid}`), 10000);
  });

  it("gives back the code a probe ran after each probe, checking every second, and runs the next", async () => {
    const checked = stateOf(env, run("slowcheck", ["--health-cmd", "echo checked", "--health-interval", "1s"])).shimPid!;
    const plain = stateOf(env, run("unchecked", [])).shimPid!;
    const plainSince = Date.now();
    await until("four probes", () => (health("slowcheck").Log ?? []).length >= 4, 30000);
    assert.deepEqual(health("slowcheck").Log!.slice(0, 4).map((l) => [l.ExitCode, l.Output]), [[0, "checked"], [0, "checked"], [0, "checked"], [0, "checked"]]);
    assert.equal(health("slowcheck").Status, "healthy");
    // both gave back their start-up code (shim.ts) and faulted in the collector's since; the
    // checking one also the probes' code, which it gives back after each (sys/code-pages.ts):
    // kept, a probe's code was ~9 MB more of the program's text mapped than the plain shim's. The
    // plain one faults in the collector's code at its first collection, on the GC timer 10 s after
    // its start (shim/launch.ts): before it, the two differ by less than a megabyte (measured)
    await new Promise((r) => setTimeout(r, Math.max(0, plainSince + 11_000 - Date.now())));
    await until("less code mapped than a shim without checks", () => programRss(checked, BIN) < programRss(plain, BIN) - 1024, 5000);
  });

  it("a shim checking every 200 ms runs its probes on its own thread: no allocator scavenger, JIT worker, GC helper or block warm-up", async () => {
    const shim = stateOf(env, run("manychecks", ["--health-cmd", "echo ran >> /tmp/probes", "--health-interval", "200ms"])).shimPid!;
    const probes = () => Number(sk(env, ["exec", "manychecks", "sh", "-c", "wc -l < /tmp/probes"]).stdout.trim() || 0);
    await until("35 probes", () => probes() >= 35, 60000);
    const h = health("manychecks");
    assert.deepEqual([h.Status, h.FailingStreak, h.Log!.map((l) => l.ExitCode)], ["healthy", 0, [0, 0, 0, 0, 0]]);
    const threads = readdirSync(`/proc/${shim}/task`).map((t) => readFileSync(`/proc/${shim}/task/${t}/comm`, "utf8").trim());
    assert.ok(threads.includes("skiff") && !threads.some((t) => /scaveng|JITWorker|HeapHelper|WarmUp/i.test(t)), `shim threads: ${threads}`);
  });

  it("does not count failures in the start period; kills a probe that outlives its timeout", async () => {
    run("slowstart", ["--health-cmd", "test -e /tmp/ready", "--health-interval", "200ms", "--health-retries", "1", "--health-start-period", "60s"], ["sh", "-c", "sleep 1; touch /tmp/ready; sleep 300"]);
    await until("healthy after the start", () => health("slowstart").Status === "healthy", 20000);
    assert.ok(health("slowstart").Log!.some((l) => l.ExitCode === 1), "it failed first, uncounted");
    run("hang", ["--health-cmd", "sleep 30", "--health-interval", "300ms", "--health-timeout", "1s", "--health-retries", "1"]);
    await until("a timed-out probe", () => (health("hang").Log ?? []).length > 0, 20000);
    const h = health("hang");
    assert.equal(h.Status, "unhealthy");
    assert.deepEqual([h.Log![0].ExitCode, h.Log![0].Output], [-1, "Health check exceeded timeout (1s)"]);
    // the probes' processes were killed, not left in the container: at most the one running now
    sk(env, ["stop", "-t", "0", "hang"]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sk(env, ["start", "hang"]).code, 0);
    await until("a second timed-out probe", () => (health("hang").Log ?? []).length >= 3, 20000);
    const left = sk(env, ["exec", "hang", "ps", "-o", "args"]).stdout.split("\n").filter((l) => /^sleep 30/.test(l.trim()) || /^\/bin\/sh -c sleep 30/.test(l.trim()));
    assert.ok(left.length <= 2, `probes left behind: ${left.join(" | ")}`);
  });

  it("takes stdout and stderr together; a check that fills a pipe, or leaves a process holding it, reports when it exits", async () => {
    // 300 kB is several pipes' worth: a probe read only at its end would block until its timeout
    run("loud", ["--health-cmd", "yes 0123456789 | head -c 300000; echo tail >&2", "--health-interval", "300ms", "--health-timeout", "8s", "--health-retries", "1"]);
    run("both", ["--health-cmd", "echo out; echo err >&2; echo out2", "--health-interval", "300ms"]);
    run("linger", ["--health-cmd", "sleep 30 & echo started", "--health-interval", "300ms", "--health-timeout", "3s", "--health-retries", "1"]);
    for (const name of ["loud", "both", "linger"]) await until(`${name}: a first result`, () => (health(name).Log ?? []).length > 0, 20000);
    const first = (name: string) => health(name).Log![0] as { ExitCode: number; Output: string; Start: string; End: string };
    const loud = first("loud");
    assert.deepEqual([loud.ExitCode, loud.Output.length, loud.Output.slice(0, 22)], [0, 500, "0123456789\n0123456789\n"]);
    assert.equal(health("loud").Status, "healthy");
    // one pipe handed to the probe as it is (runc --detach): the lines in the order written, as podman's
    assert.deepEqual([first("both").ExitCode, first("both").Output], [0, "out\nerr\nout2"]);
    const linger = first("linger");
    assert.deepEqual([linger.ExitCode, linger.Output], [0, "started"]);
    assert.ok(Date.parse(linger.End) - Date.parse(linger.Start) < 2000, `the probe waited for its background process: ${linger.Start} .. ${linger.End}`);
  });

  it("--health-on-failure kill, restart and stop act on the turn to unhealthy", async () => {
    for (const a of ["kill", "restart", "stop"]) run(`act-${a}`, ["--health-cmd", "false", "--health-interval", "300ms", "--health-retries", "1", "--health-on-failure", a, "--stop-timeout", "1"]);
    await until("killed", () => stateOf(env, sk(env, ["inspect", "act-kill", "--format", "{{.Id}}"]).stdout.trim()).status === "exited");
    assert.equal(sk(env, ["inspect", "act-kill", "--format", "{{.State.ExitCode}}"]).stdout.trim(), "137");
    await until("restarted", () => Number(sk(env, ["inspect", "act-restart", "--format", "{{.RestartCount}}"]).stdout.trim()) >= 1);
    await until("stopped", () => status("act-stop").startsWith("Exited"), 20000);
    assert.equal(sk(env, ["inspect", "act-stop", "--format", "{{.RestartCount}}"]).stdout.trim(), "0");
  });

  it("no probes while paused or stopped; a restart starts from 'starting' with the log kept", async () => {
    run("cycle", ["--health-cmd", "true", "--health-interval", "200ms"]);
    await until("healthy", () => health("cycle").Status === "healthy");
    assert.equal(sk(env, ["pause", "cycle"]).code, 0);
    const paused = health("cycle").Log!.length;
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(health("cycle").Log!.length <= paused + 1, "at most the probe already running");
    assert.equal(sk(env, ["unpause", "cycle"]).code, 0);
    assert.equal(sk(env, ["stop", "-t", "0", "cycle"]).code, 0);
    const stopped = JSON.stringify(health("cycle"));
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(JSON.stringify(health("cycle")), stopped, "no probe of a stopped container");
    assert.equal(sk(env, ["start", "cycle"]).code, 0);
    await until("healthy again", () => health("cycle").Status === "healthy");
    assert.ok(health("cycle").Log!.length >= 2, "the log is kept across the restart");
  });

  it("a startup check gates the regular one until it passes, and restarts the container after its retries", async () => {
    run("gate", ["--health-cmd", "true", "--health-interval", "200ms", "--health-startup-cmd", "test -e /ready", "--health-startup-interval", "200ms", "--health-startup-success", "2"]);
    await until("startup failures logged", () => (health("gate").Log ?? []).filter((l) => l.ExitCode === 1).length >= 2);
    assert.equal(health("gate").Status, "starting", "the regular check waits for the startup check");
    assert.match(status("gate"), /\(starting\)$/);
    assert.equal(sk(env, ["exec", "gate", "touch", "/ready"]).code, 0);
    await until("healthy once the startup check passed twice", () => health("gate").Status === "healthy");
    const cfg = JSON.parse(sk(env, ["inspect", "gate", "--format", "{{json .Config.StartupHealthCheck}}"]).stdout);
    assert.deepEqual(cfg, { Test: ["CMD-SHELL", "test -e /ready"], Interval: 200e6, Timeout: 30e9, Successes: 2 });
    run("never-up", ["--health-cmd", "true", "--health-interval", "200ms", "--health-startup-cmd", "false", "--health-startup-interval", "200ms", "--health-startup-retries", "2"]);
    await until("restarted by its startup check", () => Number(sk(env, ["inspect", "never-up", "--format", "{{.RestartCount}}"]).stdout.trim()) >= 1, 20000);
    assert.notEqual(health("never-up").Status, "healthy");
    const refused = sk(env, ["run", "-d", "--no-healthcheck", "--health-startup-cmd", "true", "bb", "true"]);
    assert.deepEqual([refused.code, refused.stderr], [125, "Error: cannot set a startup healthcheck when there is no regular healthcheck\n"]);
  });

  it("a killed shim leaves a state that reads as exited, with the last health kept", async () => {
    const id = run("orphan", ["--health-cmd", "true", "--health-interval", "200ms"]);
    await until("healthy", () => health("orphan").Status === "healthy");
    process.kill(stateOf(env, id).shimPid!, "SIGKILL");
    await until("seen as exited", () => status("orphan").startsWith("Exited"));
    assert.equal(health("orphan").Status, "healthy");
    assert.equal(sk(env, ["rm", "-f", "orphan"]).code, 0);
  });
});

describe("healthcheck run, as podman's", { skip: isRoot ? false : "needs root (runc)" }, () => {
  let side: SideBySide;
  before(() => { if (isRoot) side = sideBySide(); });
  after(() => side?.podman.dispose());

  it("exit 0 healthy, 1 and 'unhealthy' failing, 125 without a check or a container; inspect and ps agree", () => {
    const seen = both(side.tools, (run, tag) => {
      run(["run", "-d", "--name", `ok${tag}`, "--health-cmd", "true", "--health-interval", "disable", "bb", "sleep", "300"]);
      run(["run", "-d", "--name", `no${tag}`, "--health-cmd", "false", "--health-retries", "1", "--health-interval", "disable", "bb", "sleep", "300"]);
      run(["run", "-d", "--name", `plain${tag}`, "bb", "sleep", "300"]);
      const out = [run(["healthcheck", "run", `ok${tag}`]), run(["healthcheck", "run", `no${tag}`]), run(["healthcheck", "run", `no${tag}`]), run(["healthcheck", "run", `plain${tag}`]), run(["healthcheck", "run", "nosuch"])]
        .map((r) => [r.code, r.stdout, r.stderr.split("\n")[0].replace(/[0-9a-f]{64}/g, "<id>").replace(/ (ok|no|plain)[ps]\b/g, " $1")]);
      const inspect = JSON.parse(run(["inspect", `no${tag}`, "--format", "{{json .State.Health}}"]).stdout);
      const filtered = run(["ps", "--filter", "health=unhealthy", "--format", "{{.Names}}"]).stdout.trim().replace(/[ps]$/, "");
      const statusWord = run(["ps", "--filter", `name=ok${tag}`, "--format", "{{.Status}}"]).stdout.replace(/^Up .* \(/, "(").trim();
      run(["rm", "-f", "-t", "0", `ok${tag}`, `no${tag}`, `plain${tag}`]);
      return { out, inspect: { Status: inspect.Status, FailingStreak: inspect.FailingStreak, codes: inspect.Log.map((l: { ExitCode: number }) => l.ExitCode) }, filtered, statusWord };
    });
    assert.deepEqual(seen.skiff.out.map((o) => [o[0], o[1]]), seen.podman.out.map((o) => [o[0], o[1]]));
    assert.equal(seen.skiff.out[3][2], seen.podman.out[3][2], "no defined healthcheck");
    assert.equal(seen.skiff.out[4][2], seen.podman.out[4][2], "no such container");
    assert.deepEqual(seen.skiff.inspect, seen.podman.inspect);
    assert.equal(seen.skiff.filtered, seen.podman.filtered);
    assert.equal(seen.skiff.statusWord, seen.podman.statusWord);
  });

  it("a probe's output as podman keeps it: both streams in order, one final newline dropped, 500 characters; its end is its process's", () => {
    const checks = [
      "echo out; echo err >&2; echo out2; exit 3",
      'printf "\\n  a  \\n\\n"',
      "yes 0123456789 | head -c 300000",
      "sleep 20 & echo started",
    ];
    const seen = both(side.tools, (run, tag) => checks.map((check, i) => {
      const name = `out${i}${tag}`;
      run(["run", "-d", "--name", name, "--health-cmd", check, "--health-interval", "disable", "--health-timeout", "5s", "bb", "sleep", "300"]);
      const started = Date.now();
      const code = run(["healthcheck", "run", name]).code;
      const took = Date.now() - started;
      const log = JSON.parse(run(["inspect", name, "--format", "{{json .State.Health.Log}}"]).stdout) as { ExitCode: number; Output: string }[];
      run(["rm", "-f", "-t", "0", name]);
      return { code, exit: log[0].ExitCode, output: log[0].Output, quick: took < 4000 };
    }));
    // podman copies the two streams apart and joins them in either order (seen both ways); skiff's
    // are one pipe, in the order written
    assert.equal(seen.skiff[0].output, "out\nerr\nout2");
    const lines = (r: { output: string }[]) => r.map((o, i) => ({ ...o, output: i === 0 ? o.output.split("\n").sort().join("\n") : o.output }));
    assert.deepEqual(lines(seen.skiff), lines(seen.podman));
  });
});
