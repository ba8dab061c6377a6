/**
 * Commands and flags podman users' scripts run, side by side with podman 4.3: untag, mount and
 * umount of a container, volume export/import and create -o, logs of several containers, ps
 * --size/--sort, --noout, cp --pause.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sk } from "../helpers/containers.js";
import { both as bothTools, sideBySide, type Podman, type SideBySide, type Tool } from "../helpers/podman.js";
import { BIN, requiresRoot, type Result } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), "skiff-cmds-"));
let env: NodeJS.ProcessEnv;
let podman: Podman;
let tools: SideBySide["tools"];
const both = <T>(f: (run: Tool, tag: string) => T) => bothTools(tools, f);

describe("commands as podman's", () => {
  before(() => {
    if (!isRoot) return;
    ({ env, podman, tools } = sideBySide());
  });
  after(() => {
    if (!isRoot) return;
    podman.dispose();
    sk(env, ["rm", "-af", "-t", "0"]);
  });

  it("untag removes the names given, or all; the image stays", (t) => {
    if (!requiresRoot(t)) return;
    const seen = both((run) => {
      run(["tag", "bb", "x1", "x2", "x3"]);
      const one = run(["untag", "bb", "x1"]).code;
      const names = run(["images", "--format", "{{.Repository}}:{{.Tag}}"]).stdout.split("\n").filter(Boolean).sort();
      const missing = run(["untag", "bb", "nope"]).code;
      const all = run(["untag", "x2"]).code;
      const after = run(["images", "-a", "--format", "{{.Repository}}:{{.Tag}}"]).stdout.split("\n").filter(Boolean).sort();
      const count = run(["images", "-q"]).stdout.split("\n").filter(Boolean).length;
      run(["tag", run(["images", "-q"]).stdout.split("\n")[0], "bb"]);
      return { one, names, missing, all, after, count };
    });
    assert.deepEqual(seen.skiff, seen.podman);
    assert.deepEqual(seen.skiff.after, ["<none>:<none>"], "nameless, not gone");
  });

  it("mount prints a path holding the container's files until umount, across a run", (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(sk(env, ["create", "--name", "m1", "bb", "sh", "-c", "echo inside > /made"]).code, 0);
    const path = sk(env, ["mount", "m1"]).stdout.trim();
    assert.ok(existsSync(join(path, "bin", "busybox")), path);
    assert.match(sk(env, ["mount"]).stdout, new RegExp(`^[0-9a-f]{12}  ${path}\n$`));
    assert.equal(sk(env, ["start", "-a", "m1"]).code, 0);
    assert.equal(readFileSync(join(path, "made"), "utf8"), "inside\n", "still mounted after the container stopped");
    assert.equal(sk(env, ["umount", "m1"]).code, 0);
    assert.ok(!readFileSync("/proc/self/mountinfo", "utf8").includes(path), "unmounted");
    assert.equal(sk(env, ["mount"]).stdout, "");
    assert.equal(sk(env, ["rm", "m1"]).code, 0);
  });

  it("mount and umount take --all, --latest, --no-trunc, --format json and --force as podman's", (t) => {
    if (!requiresRoot(t)) return;
    const seen = both((run, tag) => {
      const ids = [1, 2].map((i) => run(["create", "--name", `ma${i}${tag}`, "bb", "sh"]).stdout.trim());
      const shape = (text: string) => text.split("\n").filter(Boolean).map((l) => l.replace(/[0-9a-f]{64}/g, "<id>").replace(/\b[0-9a-f]{12}\b/g, "<id12>").replace(/\/\S+$/, "<path>"));
      const all = run(["mount", "--all"]);
      const list = run(["mount"]);
      const noTrunc = run(["mount", "--no-trunc"]);
      const json = JSON.parse(run(["mount", "--format", "json"]).stdout) as { id: string; Names: string[]; mountpoint: string }[];
      const latest = run(["mount", "-l"]);
      const stray = run(["mount", "-a", `ma1${tag}`]);
      const umLatest = run(["umount", "-l"]);
      const umNamed = run(["umount", "-f", `ma1${tag}`]);
      const umAll = run(["umount", "-a"]);
      const left = run(["mount"]).stdout;
      run(["mount", `ma1${tag}`]);
      run(["mount", `ma1${tag}`]);
      run(["umount", `ma1${tag}`]);
      const counted = shape(run(["mount"]).stdout).length;
      run(["umount", `ma1${tag}`]);
      const gone = run(["mount"]).stdout;
      const notMounted = run(["umount", `ma1${tag}`]);
      run(["rm", "-f", ...ids]);
      return {
        all: [all.code, shape(all.stdout)], list: shape(list.stdout), noTrunc: shape(noTrunc.stdout),
        json: json.map((j) => [Object.keys(j).sort(), j.id.length, j.Names.length, typeof j.mountpoint]),
        jsonIds: json.map((j) => j.id).sort().join() === [...ids].sort().join(),
        latest: [latest.code, shape(latest.stdout)], stray: [stray.code, stray.stderr],
        umLatest: umLatest.stdout.trim() === ids[1], umNamed: umNamed.stdout, umAll: [umAll.code, shape(umAll.stdout).length > 0], left, counted, gone, notMounted: [notMounted.code, notMounted.stdout === `ma1${tag}\n`],
      };
    });
    assert.deepEqual(seen.skiff, { ...seen.podman, umNamed: "ma1s\n" });
    assert.deepEqual(seen.podman.umAll, [0, true], "mounted twice (--all, --latest), unmounted once: still mounted");
    assert.equal(seen.podman.umNamed, "ma1p\n");
    assert.deepEqual(seen.skiff.list, ["<id12>  <path>", "<id12>  <path>"]);
  });

  it("--mount type=image puts another image's files in the container, read-only unless rw=true", (t) => {
    if (!requiresRoot(t)) return;
    const context = mkdtempSync(join(work, "imgmount-"));
    writeFileSync(join(context, "Containerfile"), "FROM bb\nRUN echo layered > /marker\n");
    const seen = both((run) => {
      const built = run(["build", "-q", "-t", "mimg", "--network", "none", context]);
      assert.equal(built.code, 0, built.stderr);
      const m = "type=image,source=mimg,destination=/img";
      const read = run(["run", "--rm", "--network", "none", "--mount", m, "bb", "sh", "-c", "cat /img/marker; test -x /img/bin/busybox && echo lower"]);
      const write = run(["run", "--rm", "--network", "none", "--mount", m, "bb", "sh", "-c", "echo x > /img/new"]);
      const rw = run(["run", "--rm", "--network", "none", "--mount", `${m},rw=true`, "bb", "sh", "-c", "echo x > /img/new && cat /img/new"]);
      const missing = run(["run", "--rm", "--mount", "type=image,source=no-such-image,destination=/img", "bb", "true"]);
      run(["create", "--name", "imgm", "--mount", m, "bb", "true"]);
      const mounts = (JSON.parse(run(["inspect", "imgm"]).stdout)[0].Mounts as { Type: string; Destination: string; RW: boolean }[]).map((x) => [x.Type, x.Destination, x.RW]);
      run(["rm", "imgm"]);
      return { read: [read.code, read.stdout], write: [write.code, /Read-only file system/.test(write.stderr)], rw: [rw.code, rw.stdout], missing: [missing.code, /no-such-image: image not known/.test(missing.stderr)], mounts };
    });
    // podman makes the container and fails its start (126); skiff refuses the create (docs/differences.md)
    assert.deepEqual(seen.podman.missing, [126, true]);
    assert.deepEqual(seen.skiff, { ...seen.podman, missing: [125, true] });
    assert.deepEqual(seen.skiff.read, [0, "layered\nlower\n"]);
    assert.deepEqual(seen.skiff.write, [1, true]);
  });

  it("volume create -o type=none,device=DIR,o=bind mounts the directory; a missing device fails the start with 126", (t) => {
    if (!requiresRoot(t)) return;
    const dir = mkdtempSync(join(work, "device-"));
    writeFileSync(join(dir, "x"), "from the device\n");
    const seen = both((run, tag) => {
      const made = run(["volume", "create", "-o", "type=none", "-o", `device=${dir}`, "-o", "o=bind", `dev${tag}`]);
      const read = run(["run", "--rm", "--network", "none", "-v", `dev${tag}:/d`, "bb", "cat", "/d/x"]);
      const wrote = run(["run", "--rm", "--network", "none", "-v", `dev${tag}:/d`, "bb", "sh", "-c", `echo ${tag} > /d/${tag}`]);
      const options = JSON.parse(run(["volume", "inspect", `dev${tag}`]).stdout)[0].Options;
      run(["volume", "create", "-o", "type=none", "-o", `device=${dir}/missing`, "-o", "o=bind", `gone${tag}`]);
      const gone = run(["run", "--rm", "--network", "none", "-v", `gone${tag}:/d`, "bb", "true"]);
      run(["volume", "rm", "-f", `dev${tag}`, `gone${tag}`]);
      return { made: made.code, read: [read.code, read.stdout], wrote: wrote.code, onHost: readFileSync(join(dir, tag), "utf8"), options, gone: gone.code };
    });
    assert.deepEqual(seen.skiff, { ...seen.podman, onHost: "s\n" });
    assert.deepEqual(seen.skiff.read, [0, "from the device\n"]);
    assert.deepEqual(seen.skiff.options, { type: "none", device: dir, o: "bind" });
    assert.equal(seen.skiff.gone, 126);
    const tmp = sk(env, ["volume", "create", "-o", "type=tmpfs", "-o", "o=size=1m", "tv"]);
    assert.equal(tmp.code, 0, tmp.stderr);
    assert.match(sk(env, ["run", "--rm", "--network", "none", "-v", "tv:/d", "bb", "grep", " /d ", "/proc/mounts"]).stdout, /^tmpfs \/d tmpfs rw,nosuid,nodev,.*size=1024k/);
    for (const bad of [["-o", "device=/x"], ["-o", "type=none", "-o", "device=rel", "-o", "o=bind"], ["-o", "type=none", "-o", "device=/x"]]) {
      const r = sk(env, ["volume", "create", ...bad, "bad"]);
      assert.deepEqual([r.code, r.stderr.split("\n").length], [125, 2], r.stderr);
    }
  });

  it("volume export and import move a volume's files as tar; create -o o=uid,gid sets its owner", (t) => {
    if (!requiresRoot(t)) return;
    const tar = join(work, "vol.tar");
    assert.equal(sk(env, ["run", "--rm", "-v", "exp:/d", "bb", "sh", "-c", "mkdir -p /d/sub; echo payload > /d/sub/f; chown 1234 /d/sub/f"]).code, 0);
    assert.equal(sk(env, ["volume", "export", "-o", tar, "exp"]).code, 0);
    assert.match(execFileSync("tar", ["-tvf", tar, "--numeric-owner"], { encoding: "utf8" }), /1234\/0 .* sub\/f\n/);
    assert.equal(sk(env, ["volume", "create", "imp"]).code, 0);
    assert.equal(sk(env, ["volume", "import", "imp", tar]).code, 0);
    assert.equal(sk(env, ["run", "--rm", "-v", "imp:/d", "bb", "cat", "/d/sub/f"]).stdout, "payload\n");
    const seen = both((run, tag) => {
      const r = run(["volume", "create", "-o", "o=uid=1000,gid=1001", `owned${tag}`]);
      const mp = JSON.parse(run(["volume", "inspect", `owned${tag}`]).stdout)[0].Mountpoint;
      const st = statSync(mp);
      return { code: r.code, owner: `${st.uid}:${st.gid}`, bad: run(["volume", "create", "-o", "bogus=1", `bad${tag}`]).code };
    });
    assert.deepEqual(seen.skiff, seen.podman);
  });

  it("logs of several containers start each line with the ID, or the name with --names", (t) => {
    if (!requiresRoot(t)) return;
    const seen = both((run, tag) => {
      run(["run", "--name", `lg1${tag}`, "bb", "sh", "-c", "echo one; echo two"]);
      run(["run", "--name", `lg2${tag}`, "bb", "sh", "-c", "echo three"]);
      const ids = run(["logs", `lg1${tag}`, `lg2${tag}`]).stdout.replace(/^[0-9a-f]{12} /gm, "ID ");
      const names = run(["logs", "--names", `lg1${tag}`, `lg2${tag}`]).stdout.replaceAll(tag, "");
      const single = run(["logs", "-n", `lg1${tag}`]).stdout;
      return { ids: ids.split("\n").sort(), names: names.split("\n").sort(), single };
    });
    assert.deepEqual(seen.skiff, seen.podman);
  });

  it("--noout keeps stdout empty, errors still show", (t) => {
    if (!requiresRoot(t)) return;
    const seen = both((run) => {
      const ok = run(["--noout", "images"]);
      const bad = run(["--noout", "inspect", "nosuch"]);
      return { ok: [ok.code, ok.stdout], bad: [bad.code, bad.stdout, bad.stderr.includes("Error")] };
    });
    assert.deepEqual(seen.skiff, seen.podman);
  });

  it("ps --size and --sort", (t) => {
    if (!requiresRoot(t)) return;
    const seen = both((run, tag) => {
      run(["create", "--name", `zz${tag}`, "bb", "true"]);
      run(["create", "--name", `aa${tag}`, "bb", "true"]);
      const sorted = run(["ps", "-a", "--sort", "names", "--format", "{{.Names}}"]).stdout.replaceAll(tag, "").split("\n").filter((n) => n === "aa" || n === "zz");
      const sized = run(["ps", "-a", "-s", "--format", "{{.Size}}"]).stdout.split("\n")[0];
      const header = run(["ps", "-a", "-s"]).stdout.split("\n")[0].trim().split(/\s{2,}/).pop();
      run(["rm", `zz${tag}`, `aa${tag}`]);
      return { sorted, sized: /^\d+(\.\d+)?[kMG]?B \(virtual \d+(\.\d+)?[kMG]?B\)$/.test(sized), header };
    });
    assert.deepEqual(seen.skiff, seen.podman);
  });

  it("top shows the container's own PIDs in podman's columns; stats podman's columns and keys, zeros for a stopped one; logs -t podman's times", (t) => {
    if (!requiresRoot(t)) return;
    const seen = both((run, tag) => {
      run(["run", "-d", "--name", `obs${tag}`, "bb", "sh", "-c", "echo hello; sleep 300"]);
      run(["create", "--name", `idle${tag}`, "bb", "true"]);
      const top = run(["top", `obs${tag}`]).stdout.split("\n").filter(Boolean).map((l) => l.trimEnd());
      const topShape = [top[0].split(/\s+/), top.slice(1).map((l) => { const f = l.split(/\s+/); return [f[1], f[2], f.slice(7).join(" ")]; })];
      const stats = run(["stats", "--no-stream", `obs${tag}`, `idle${tag}`]).stdout.split("\n").filter(Boolean);
      const header = stats[0].split(/\s{2,}/);
      const idle = stats.find((l) => l.includes(`idle${tag}`))!.split(/\s{2,}/).slice(2);
      const json = Object.keys(JSON.parse(run(["stats", "--no-stream", "--format", "json", `obs${tag}`]).stdout)[0]).sort();
      const stamp = run(["logs", "-t", `obs${tag}`]).stdout.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z /, "TIME ");
      run(["rm", "-f", "-t", "0", `obs${tag}`, `idle${tag}`]);
      return { topShape, header, idle, json, stamp };
    });
    assert.deepEqual(seen.skiff, seen.podman);
    assert.deepEqual(seen.skiff.topShape[1], [["1", "0", "sleep 300"]], "PID 1 as the container sees it");
  });

  it("a host port is published once: a second container, or the same port twice, is refused as podman refuses it", (t) => {
    if (!requiresRoot(t)) return;
    const seen = both((run, tag) => {
      const port = tag === "p" ? "18555" : "18565";
      const first = run(["run", "-d", "--name", `pa${tag}`, "-p", `${port}:80`, "bb", "sleep", "100"]).code;
      const second = run(["run", "-d", "--name", `pb${tag}`, "-p", `${port}:80`, "bb", "sleep", "100"]);
      const twice = run(["run", "--rm", "-p", `${Number(port) + 1}:80`, "-p", `${Number(port) + 1}:81`, "bb", "true"]);
      run(["rm", "-f", "-t", "0", `pa${tag}`, `pb${tag}`]);
      const again = run(["run", "--rm", "-p", `${port}:80`, "bb", "true"]).code;
      return { first, second: second.code, secondError: /address already in use/.test(second.stderr), twice: twice.code, twiceError: /address already in use/.test(twice.stderr), again };
    });
    assert.deepEqual(seen.skiff, seen.podman);
    assert.equal(seen.skiff.secondError, true);
  });

  it("run -t on a terminal: the container's lines arrive as podman relays them (\\r\\n, not \\r\\r\\n)", (t) => {
    if (!requiresRoot(t)) return;
    const under = (argv: string[], e: NodeJS.ProcessEnv) => {
      const cmd = [...argv, "run", "--rm", "-t", "bb", "sh", "-c", "echo one; echo two"].map((a) => `'${a}'`).join(" ");
      return spawnSync("script", ["-qec", cmd, "/dev/null"], { env: e, input: "", encoding: "latin1", timeout: 60000 }).stdout;
    };
    // podman sometimes logs its own "ERRO … no such exit code" on the same terminal after the output
    const lines = (x: string) => x.replace(/\x1b\[\d+mERRO[^\n]*\n/g, "");
    const p = lines(under(podman.argv, podman.env)), s = lines(under([BIN], env));
    assert.equal(JSON.stringify(s), JSON.stringify(p));
    assert.equal(s, "one\r\ntwo\r\n");
  });

  it("-l/--latest acts on the newest container, as podman's", (t) => {
    if (!requiresRoot(t)) return;
    const seen = both((run, tag) => {
      run(["create", "--name", `old${tag}`, "bb", "true"]);
      run(["create", "--name", `new${tag}`, "bb", "sh", "-c", "echo x > /made; sleep 30"]);
      const start = run(["start", "-l"]).code;
      const name = (r: Result) => r.stdout.trim().replaceAll(tag, "");
      const stats = name(run(["stats", "--no-stream", "-l", "--format", "{{.Name}}"]));
      const inspect = name(run(["inspect", "-l", "--format", "{{.Name}}"]));
      const latestPs = name(run(["ps", "-l", "--format", "{{.Names}}"]));
      run(["rm", "-f", "-t", "0", `old${tag}`, `new${tag}`]);
      return { start, stats, inspect, latestPs };
    });
    assert.deepEqual(seen.skiff, seen.podman);
    assert.equal(seen.skiff.inspect, "new");
  });
});
