/** Managing containers and volumes: filters, restart, boot start, systemd units, attach, top, stats, pause, prune. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { containerEnv, sk, stateOf } from "../helpers/containers.js";
import { BIN, requiresRoot, skiffAsync } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
const env = isRoot ? containerEnv() : {};

describe("container management", () => {
  it("filters ps by status, name, label, ancestor and exit code, oldest first as podman 4.3", (t) => {
    if (!requiresRoot(t)) return;
    sk(env, ["run", "--name", "ok", "-l", "tier=a", "bb", "true"]);
    sk(env, ["run", "--name", "bad", "bb", "sh", "-c", "exit 2"]);
    sk(env, ["run", "-d", "--name", "up", "-l", "tier=b", "bb", "sleep", "60"]);
    const names = (f: string[]) => sk(env, ["ps", "-a", ...f.flatMap((x) => ["--filter", x]), "--format", "{{.Names}}"]).stdout.trim().split("\n").filter(Boolean);
    assert.deepEqual(names([]), ["ok", "bad", "up"]);
    assert.deepEqual(names(["status=exited"]), ["ok", "bad"]);
    assert.deepEqual(names(["status=running"]), ["up"]);
    assert.deepEqual(names(["label=tier=a"]), ["ok"]);
    assert.deepEqual(names(["label=tier"]), ["ok", "up"]);
    assert.deepEqual(names(["exited=2"]), ["bad"]);
    assert.deepEqual(names(["ancestor=bb", "name=^u"]), ["up"]);
    assert.deepEqual(sk(env, ["ps", "-a", "-n", "1", "--format", "{{.Names}}"]).stdout, "up\n");
    assert.deepEqual(sk(env, ["ps", "-l", "--format", "{{.Names}}"]).stdout, "up\n");
    assert.equal(sk(env, ["ps", "--filter", "bogus=1"]).code, 125);
    // podman's JSON: Created a unix time, CreatedAt its human form
    const [row] = JSON.parse(sk(env, ["ps", "-l", "--format", "json"]).stdout);
    assert.ok(Math.abs(row.Created - Date.now() / 1000) < 60, String(row.Created));
    assert.match(row.CreatedAt, /^(Less than a second|\d+ seconds?) ago$/);
  });

  it("pauses and unpauses, shows top and stats, and has no published ports", async (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(sk(env, ["pause", "up"]).stdout, "up\n");
    assert.equal(JSON.parse(sk(env, ["inspect", "up"]).stdout)[0].State.Status, "paused");
    assert.equal(sk(env, ["unpause", "up"]).code, 0);
    assert.equal(JSON.parse(sk(env, ["inspect", "up"]).stdout)[0].State.Status, "running");
    const top = sk(env, ["top", "up", "pid", "args"]);
    assert.match(top.stdout, /^\s*PID COMMAND\n\s*\d+ sleep 60\n$/);
    const stats = sk(env, ["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}"]);
    assert.equal(stats.stdout, "up 1\n", stats.stderr);
    // without --no-stream: a sample every two seconds until stopped
    const streamed = await skiffAsync(["stats", "--format", "{{.Name}}"], { env, timeoutMs: 3000 });
    assert.equal(streamed.stdout, "up\nup\n");
    assert.equal(sk(env, ["port", "up"]).stdout, "");
  });

  it("waits for other conditions than stopped: running, paused, any of several", async (t) => {
    if (!requiresRoot(t)) return;
    sk(env, ["create", "--name", "later", "bb", "sh", "-c", "sleep 1; exit 3"]);
    assert.equal(sk(env, ["wait", "--condition", "created", "later"]).stdout, "-1\n");
    // waits while created; answers once started
    const running = skiffAsync(["wait", "--condition", "running", "--interval", "50ms", "later"], { env, timeoutMs: 10000 });
    await new Promise((r) => setTimeout(r, 300));
    sk(env, ["start", "later"]);
    assert.equal((await running).stdout, "-1\n");
    assert.equal(sk(env, ["wait", "--condition", "paused", "--condition", "exited", "later"]).stdout, "3\n");
    assert.equal(sk(env, ["wait", "later"]).stdout, "3\n", "stopped is the default condition");
    const bad = sk(env, ["wait", "--condition", "bogus", "later"]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^Error: wait --condition bogus: not a condition skiff knows/);
    // healthy/unhealthy (newer podman's) need a health check
    const noCheck = sk(env, ["wait", "--condition", "healthy", "later"]);
    assert.equal(noCheck.code, 125);
    assert.match(noCheck.stderr, /has no defined healthcheck/);
    assert.equal(sk(env, ["wait", "--interval", "soon", "--condition", "running", "later"]).code, 125);
    sk(env, ["rm", "later"]);
  });

  it("renames, restarts and prunes", (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(sk(env, ["rename", "up", "renamed"]).code, 0);
    assert.equal(sk(env, ["container", "exists", "up"]).code, 1);
    const before = JSON.parse(sk(env, ["inspect", "renamed"]).stdout)[0].State.Pid;
    assert.equal(sk(env, ["restart", "-t", "1", "renamed"]).stdout, "renamed\n");
    const after = JSON.parse(sk(env, ["inspect", "renamed"]).stdout)[0].State;
    assert.equal(after.Status, "running");
    assert.notEqual(after.Pid, before);
    const pruned = sk(env, ["container", "prune", "-f"]).stdout.trim().split("\n").sort();
    assert.equal(pruned.length, 2);
    assert.deepEqual(sk(env, ["ps", "-a", "--format", "{{.Names}}"]).stdout, "renamed\n");
    sk(env, ["rm", "-f", "renamed"]);
  });

  it("attaches to a running container's output and exits with its code", async (t) => {
    if (!requiresRoot(t)) return;
    sk(env, ["run", "-d", "--name", "talker", "bb", "sh", "-c", "trap 'exit 5' USR1; while true; do echo tick; sleep 0.1; done"]);
    const child = spawn(BIN, ["attach", "talker"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const closed = new Promise<number | null>((r) => child.on("close", r));
    await new Promise<void>((r) => child.stdout.on("data", (d) => { out += String(d); if (out.includes("tick")) r(); }));
    sk(env, ["kill", "-s", "USR1", "talker"]);
    assert.equal(await closed, 5);
    assert.match(out, /^(tick\n)+$/);
    sk(env, ["rm", "talker"]);
  });

  it("starts policy containers at boot with start --all --filter, and generates a systemd unit", (t) => {
    if (!requiresRoot(t)) return;
    sk(env, ["create", "--name", "svc", "--restart", "always", "bb", "sleep", "60"]);
    sk(env, ["create", "--name", "plain", "bb", "sleep", "60"]);
    assert.equal(sk(env, ["start", "--all", "--filter", "restart-policy=always"]).stdout.trim().length, 64);
    assert.equal(JSON.parse(sk(env, ["inspect", "svc"]).stdout)[0].State.Status, "running");
    assert.equal(JSON.parse(sk(env, ["inspect", "plain"]).stdout)[0].State.Status, "created");
    const counts = JSON.parse(sk(env, ["info", "--format", "{{json .Store.ContainerStore}}"]).stdout);
    assert.deepEqual(counts, { number: 2, paused: 0, running: 1, stopped: 1 });
    const unit = sk(env, ["generate", "systemd", "--name", "svc"]).stdout;
    assert.match(unit, /^ExecStart=\S+.* start svc$/m);
    assert.match(unit, /^ExecStop=\S+.* stop -t 10 svc$/m);
    const pidFile = /^PIDFile=(.*)$/m.exec(unit)![1];
    const { shimPid } = stateOf(env, JSON.parse(sk(env, ["inspect", "svc"]).stdout)[0].Id);
    assert.equal(Number(readFileSync(pidFile, "utf8")), shimPid);
    sk(env, ["rm", "-f", "svc", "plain"]);
  });
});

describe("volumes", () => {
  it("creates, lists, inspects, protects in-use volumes and prunes", (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(sk(env, ["volume", "create", "-l", "k=v", "vol1"]).stdout, "vol1\n");
    assert.equal(sk(env, ["volume", "create", "vol1"]).code, 125);
    assert.equal(sk(env, ["volume", "create", "--ignore", "vol1"]).code, 0);
    assert.equal(sk(env, ["volume", "exists", "vol1"]).code, 0);
    const [info] = JSON.parse(sk(env, ["volume", "inspect", "vol1"]).stdout);
    assert.deepEqual(info.Labels, { k: "v" });
    sk(env, ["create", "--name", "user", "-v", "vol1:/v", "bb", "true"]);
    sk(env, ["volume", "create", "spare"]);
    assert.deepEqual(sk(env, ["volume", "ls", "-q"]).stdout, "spare\nvol1\n");
    assert.deepEqual(sk(env, ["volume", "ls", "-q", "--filter", "dangling=true"]).stdout, "spare\n");
    const busy = sk(env, ["volume", "rm", "vol1"]);
    assert.equal(busy.code, 2, "podman's exit code for a volume in use");
    assert.match(busy.stderr, /being used/);
    assert.equal(sk(env, ["volume", "prune", "-f"]).stdout, "spare\n");
    assert.equal(sk(env, ["volume", "rm", "-f", "vol1"]).stdout, "vol1\n");
    assert.equal(sk(env, ["container", "exists", "user"]).code, 1);
    assert.equal(sk(env, ["volume", "ls", "-q"]).stdout, "");
  });

  it("removes anonymous volumes with rm -v and --rm, and keeps named ones", (t) => {
    if (!requiresRoot(t)) return;
    sk(env, ["run", "--rm", "-v", "/anon", "-v", "named:/n", "bb", "true"]);
    assert.deepEqual(sk(env, ["volume", "ls", "-q"]).stdout, "named\n");
    sk(env, ["run", "--name", "keeper", "-v", "/anon", "bb", "true"]);
    assert.equal(sk(env, ["volume", "ls", "-q"]).stdout.split("\n").filter(Boolean).length, 2);
    sk(env, ["rm", "-v", "keeper"]);
    assert.deepEqual(sk(env, ["volume", "ls", "-q"]).stdout, "named\n");
  });
});

describe("images and containers together", () => {
  it("refuses to remove an image a container uses (exit 2), -f removes the container too", (t) => {
    if (!requiresRoot(t)) return;
    sk(env, ["tag", "bb", "inuse"]);
    sk(env, ["create", "--name", "pin", "inuse", "true"]);
    // removing one of two names is only an untag
    assert.equal(sk(env, ["rmi", "inuse"]).stdout, "Untagged: localhost/inuse:latest\n");
    const refused = sk(env, ["rmi", "bb"]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /in use by container pin/);
    assert.equal(sk(env, ["image", "prune", "-a", "-f"]).stdout, "");
    assert.equal(sk(env, ["image", "exists", "bb"]).code, 0);
    const df = JSON.parse(sk(env, ["system", "df", "--format", "json"]).stdout);
    assert.deepEqual(df.slice(0, 2).map((r: { Type: string; Total: number; Active: number }) => [r.Type, r.Total, r.Active]), [["Images", 1, 1], ["Containers", 1, 0]]);
    // the container still runs from snapshots that garbage collection left alone
    assert.equal(sk(env, ["start", "-a", "pin"]).code, 0);
    sk(env, ["tag", "bb", "spare-name"]);
    // as podman: -f with one of several names only untags it, and its containers stay
    assert.deepEqual(sk(env, ["rmi", "-f", "bb"]).stdout, "Untagged: localhost/bb:latest\n");
    assert.equal(sk(env, ["container", "exists", "pin"]).code, 0);
    const forced = sk(env, ["rmi", "-f", "spare-name"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(sk(env, ["container", "exists", "pin"]).code, 1);
    assert.equal(sk(env, ["images", "-q"]).stdout, "");
  });
});
