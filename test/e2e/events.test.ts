/**
 * events: what the CLI and the shims write (container lifecycle, exec, health, images, volumes,
 * networks), read back with --since/--until, --filter and --format, and followed with --stream;
 * the JSON fields podman writes.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { containerEnv, sk, until } from "../helpers/containers.js";
import { isolatedPodman, type Podman } from "../helpers/podman.js";
import { BIN } from "../helpers/skiff.js";
import { join } from "node:path";
import { readFileSync } from "node:fs";

const isRoot = process.getuid?.() === 0;
interface Ev { ID?: string; Name?: string; Status: string; Type: string; Time: string; Image?: string; Attributes?: Record<string, string> | null; ContainerExitCode?: number; HealthStatus?: string }

describe("events", { skip: isRoot ? false : "needs root (runc)" }, () => {
  const env = isRoot ? containerEnv() : {};
  const list = (args: string[] = []): Ev[] => sk(env, ["events", "--stream=false", "--format", "json", ...args]).stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
  let podman: Podman;
  before(() => { if (isRoot) podman = isolatedPodman(); });
  after(() => { sk(env, ["rm", "-a", "-f", "-t", "0"], { timeoutMs: 60000 }); podman?.dispose(); });

  it("records a container's life, exec, health, and image, volume and network changes, in order", async () => {
    const t0 = new Date().toISOString();
    const id = sk(env, ["run", "-d", "--name", "evc", "--label", "app=web", "--health-cmd", "true", "--health-interval", "200ms", "bb", "sleep", "300"]).stdout.trim();
    await until("healthy", () => list(["--filter", "event=health_status"]).length > 0);
    assert.equal(sk(env, ["exec", "evc", "sh", "-c", "exit 3"]).code, 3);
    for (const c of [["pause", "evc"], ["unpause", "evc"], ["stop", "-t", "0", "evc"], ["start", "evc"], ["kill", "evc"], ["rm", "-f", "evc"]]) assert.equal(sk(env, c).code, 0, c.join(" "));
    await until("removed", () => list(["--filter", "event=remove", "--filter", "type=container"]).length > 0);
    sk(env, ["tag", "bb", "evtag"]);
    sk(env, ["rmi", "evtag"]);
    sk(env, ["volume", "create", "evvol"]);
    sk(env, ["volume", "rm", "evvol"]);
    sk(env, ["network", "create", "evnet"]);
    sk(env, ["network", "rm", "evnet"]);
    const mine = list(["--since", t0]).filter((e) => e.Type !== "container" || e.ID === id);
    const statuses = mine.filter((e) => e.Type === "container").map((e) => e.Status).filter((s, i, a) => !(s === "health_status" && a[i - 1] === "health_status"));
    for (const want of ["create", "start", "health_status", "exec", "exec_died", "pause", "unpause", "stop", "died", "cleanup", "start", "kill", "died", "remove"]) {
      const at = statuses.indexOf(want);
      assert.ok(at !== -1, `${want} in ${statuses.join(",")}`);
      statuses.splice(0, at + 1);
    }
    const c = mine.find((e) => e.Status === "create")!;
    assert.deepEqual([c.Name, c.Image, c.Attributes?.app], ["evc", "localhost/bb:latest", "web"]);
    assert.equal(mine.find((e) => e.Status === "exec_died")!.ContainerExitCode, 3);
    assert.equal(mine.find((e) => e.Status === "health_status")!.HealthStatus, "healthy");
    assert.deepEqual(mine.filter((e) => e.Type !== "container").map((e) => `${e.Type} ${e.Status} ${e.Name}`), [
      "image tag localhost/evtag:latest", "image untag localhost/evtag:latest", "volume create evvol", "volume remove evvol", "network create evnet", "network remove evnet",
    ]);
  });

  it("filters by type, event, container, image and label; --until ends the list; the human line is podman's", () => {
    const all = list();
    assert.ok(list(["--filter", "type=image"]).every((e) => e.Type === "image"));
    assert.ok(list(["--filter", "event=died", "--filter", "event=start"]).every((e) => e.Status === "died" || e.Status === "start"));
    assert.ok(list(["--filter", "container=evc"]).length > 5);
    assert.ok(list(["--filter", "label=app=web"]).every((e) => e.Attributes?.app === "web"));
    assert.equal(list(["--until", "2000-01-01T00:00:00Z"]).length, 0);
    assert.equal(list(["--since", "1000h", "--until", new Date(Date.now() + 60_000).toISOString()]).length, all.length);
    const human = sk(env, ["events", "--stream=false", "--filter", "event=create", "--filter", "container=evc"]).stdout.trim();
    assert.match(human, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} \+0000 UTC container create [0-9a-f]{64} \(image=localhost\/bb:latest, name=evc, app=web\)$/);
    const unknown = sk(env, ["events", "--stream=false", "--filter", "bogus=1"]);
    assert.deepEqual([unknown.code, unknown.stdout], [0, ""], "an unknown key matches nothing, as podman's");
    assert.equal(sk(env, ["events", "--stream=false", "--filter", "noequals"]).code, 125);
  });

  it("--stream follows new events as they come (inotify, not a polling loop)", async () => {
    const child = spawn(BIN, ["events", "--filter", "event=create", "--format", "{{.Name}}"], { env, stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    await new Promise((r) => setTimeout(r, 300));
    const r = spawn(BIN, ["create", "--name", "streamed", "bb", "sleep", "1"], { env, stdio: "ignore" });
    await new Promise((res) => r.on("close", res));
    await until("the stream saw it", () => out.includes("streamed\n"), 10000);
    // an idle stream sleeps: its CPU time stays near zero while nothing happens
    const ticks = () => { const f = readFileSync(`/proc/${child.pid}/stat`, "utf8"); const a = f.slice(f.lastIndexOf(")") + 2).split(" "); return Number(a[11]) + Number(a[12]); };
    const before = ticks();
    await new Promise((res) => setTimeout(res, 1000));
    assert.ok(ticks() - before <= 5, "an idle stream does not spin");
    child.kill("SIGINT");
    await new Promise((res) => child.on("close", res));
  });

  it("writes the JSON fields podman writes for the same events", () => {
    const p = podman.run(["import", join(env.SKIFF_ROOT!, "..", "bb.tar"), "bb"]);
    assert.equal(p.code, 0, p.stderr);
    podman.run(["create", "--name", "pev", "bb", "sleep", "1"]);
    const pe = podman.run(["events", "--stream=false", "--format", "json", "--filter", "event=create"]).stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const se = list(["--filter", "event=create"]).slice(-1) as unknown as Record<string, unknown>[];
    const keys = (o: Record<string, unknown>) => Object.keys(o).sort();
    assert.deepEqual(keys(se[0]), keys(pe[pe.length - 1]));
  });
});
