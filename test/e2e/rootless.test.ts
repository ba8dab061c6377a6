/**
 * Rootless: an ordinary user (with subordinate IDs, and one without) runs skiff with the store under
 * $XDG_DATA_HOME and state under $XDG_RUNTIME_DIR, inside one user namespace held by a pause
 * process (rootless/). Root makes the users and runs skiff as them with runuser.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BIN, REPO, requiresRoot, skiff, type Result } from "../helpers/skiff.js";
import { whiteoutLayers } from "../helpers/containers.js";
import { buildImage, busyboxEntries } from "../helpers/image.js";
import { makeTar } from "../helpers/tar.js";
import { pushImage, startRegistry, type Registry } from "../helpers/registry.js";
import { subordinateRanges } from "../../src/rootless/subids.js";

const isRoot = process.getuid?.() === 0;
const WITH_IDS = "skiff-rootless", WITHOUT_IDS = "skiff-rootless1";

interface User { name: string; uid: number; gid: number; home: string; runtime: string; bin: string }
const bases: string[] = [];
const users: User[] = [];

/** A user of this machine, made once (useradd gives a regular user subordinate IDs; a system user none). */
function user(name: string, system: boolean): User {
  if (spawnSync("id", ["-u", name]).status !== 0) execFileSync("useradd", [...(system ? ["-r"] : []), "-M", "-s", "/bin/sh", name]);
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }));
  const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }));
  const base = mkdtempSync(join(tmpdir(), `skiff-${name}-`));
  chmodSync(base, 0o755);
  bases.push(base);
  const [home, runtime] = [join(base, "home"), join(base, "run")];
  for (const d of [home, runtime]) {
    mkdirSync(d, { mode: 0o700 });
    chownSync(d, uid, gid);
  }
  // the executable where the user can run it (the clone may be under a directory of root's)
  const bin = join(base, "skiff");
  copyFileSync(BIN, bin);
  chmodSync(bin, 0o755);
  const u = { name, uid, gid, home, runtime, bin };
  users.push(u);
  return u;
}

/** runuser's argv for skiff as `u`, in a login-like environment of its own. */
const asArgv = (u: User, args: string[]) => ["-u", u.name, "--", "env", "-i", `HOME=${u.home}`, `XDG_RUNTIME_DIR=${u.runtime}`, "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", u.bin, ...args];

/** As as(), without blocking this process (for a test that serves something in it). */
function asAsync(u: User, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const c = spawn("runuser", asArgv(u, args));
    let stdout = "", stderr = "";
    c.stdout.on("data", (b) => (stdout += b));
    c.stderr.on("data", (b) => (stderr += b));
    c.on("close", (code) => resolve({ code: code ?? 137, stdout, stderr }));
  });
}

function as(u: User, args: string[]): Result {
  const r = spawnSync("runuser", asArgv(u, args), { encoding: "utf8", timeout: 60000 });
  return { code: r.status ?? 137, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

const pauseOf = (u: User): number => Number(readFileSync(join(u.runtime, "skiff", "pause.pid"), "utf8").split(" ")[0]);
const alive = (pid: number) => existsSync(`/proc/${pid}`);

describe("rootless", { skip: isRoot ? false : "needs root (to make the users)" }, () => {
  let reg: Registry;
  let withIds: User, withoutIds: User;
  let image: string;
  before(async () => {
    if (!isRoot) return;
    withIds = user(WITH_IDS, false);
    withoutIds = user(WITHOUT_IDS, true);
    reg = await startRegistry();
    // two layers: the second deletes a file (a whiteout) and replaces a directory (opaque), with an owner of 1000,
    // and has every other entry type: links, a fifo, a set-ID file, an xattr, and a device node (skipped: only root makes them)
    const layers = whiteoutLayers([
      { name: "data/link", type: "symlink" as const, linkname: "new" },
      { name: "data/hard", type: "hardlink" as const, linkname: "data/new" },
      { name: "data/pipe", type: "fifo" as const, mode: 0o640 },
      { name: "data/suid", content: "x", mode: 0o4755, uid: 1000, gid: 1000 },
      { name: "data/tagged", content: "t", xattrs: { "user.tag": "v1" } },
      { name: "dev/", type: "dir" as const },
      { name: "dev/null", type: "char" as const, devmajor: 1, devminor: 3, mode: 0o666 },
    ]);
    await pushImage(reg, "rootless/app", "latest", buildImage({ layers }));
    image = `${reg.host}/rootless/app`;
  });
  after(async () => {
    if (!isRoot) return;
    for (const u of [withIds, withoutIds]) {
      if (!u) continue;
      as(u, ["rm", "-a", "-f", "-t", "0"]);
      // the store holds files of subordinate owners: removed from inside the namespace
      as(u, ["unshare", "rm", "-rf", join(u.home, ".local")]);
    }
    // system migrate ends what skiff keeps running for the user (the holder of the bridges' namespace)
    for (const u of users) if (existsSync(join(u.runtime, "skiff", "pause.pid"))) as(u, ["system", "migrate"]);
    for (const u of users) {
      try { process.kill(pauseOf(u), "SIGKILL"); } catch { /* none */ }
    }
    await reg?.stop();
    // no namespace holder of the test users is left behind
    // (killed ones are zombies until init reaps them)
    const left = spawnSync("ps", ["-u", `${WITH_IDS},${WITHOUT_IDS}`, "-o", "stat=,pid=,args="], { encoding: "utf8" }).stdout.split("\n").filter((l) => l.trim() && !l.trim().startsWith("Z"));
    assert.deepEqual(left, [], "processes of the test users left (pause, slirp4netns, pasta, shims)");
    for (const b of bases) rmSync(b, { recursive: true, force: true });
  });

  it("pulls into $XDG_DATA_HOME: whiteouts, opaque directories and owners mapped to the subordinate IDs", (t) => {
    if (!requiresRoot(t)) return;
    const r = as(withIds, ["pull", "-q", image]);
    assert.equal(r.code, 0, r.stderr);
    const store = join(withIds.home, ".local", "share", "skiff");
    assert.equal(statSync(store).uid, withIds.uid, "the store is the user's");
    assert.match(r.stderr, /skip device dev\/null: device nodes need root/);
    const run = as(withIds, ["run", "--rm", "--network", "none", image, "sh", "-c", "ls /data; test -e /etc/motd || echo no-motd; stat -c '%u %a' /data/new; id -u; readlink /data/link; stat -c '%h %F %a' /data/hard /data/pipe /data/suid"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "hard\nlink\nnew\npipe\nsuid\ntagged\nno-motd\n1000 644\n0\nnew\n2 regular file 644\n1 fifo 640\n1 regular file 4755\n");
    // on the host, ID 1000 of the namespace is the user's subordinate ID 999 past its start
    const [range] = subordinateRanges(readFileSync("/etc/subuid", "utf8"), withIds.name, withIds.uid);
    const owners = execFileSync("find", [store, "-name", "new", "-path", "*snapshots*", "-printf", "%u\n"], { encoding: "utf8" }).trim().split("\n");
    const tagged = execFileSync("find", [store, "-name", "tagged", "-path", "*snapshots*"], { encoding: "utf8" }).trim();
    assert.equal(execFileSync("getfattr", ["--only-values", "-n", "user.tag", tagged], { encoding: "utf8" }), "v1");
    assert.ok(owners.length > 0 && owners.every((o) => o === String(range.start + 999)), owners.join(","));
    // the vfs driver's copy of the same layers, as the user: the same view, and with nomap the owners moved
    const vfs = as(withIds, ["--storage-driver", "vfs", "run", "--rm", "--network", "none", image, "sh", "-c", "ls /data; test -e /etc/motd || echo no-motd; stat -c '%u %a' /data/new; id -u; readlink /data/link; stat -c '%h %F %a' /data/hard /data/pipe /data/suid"]);
    assert.deepEqual([vfs.code, vfs.stdout], [0, run.stdout], vfs.stderr);
    // data/hard is a hard link of data/new: its owner is moved once, not once per name (both drivers)
    for (const driver of ["vfs", "overlay"]) {
      const nomap = as(withIds, ["--storage-driver", driver, "run", "--rm", "--network", "none", "--userns", "nomap", image, "stat", "-c", "%u:%g", "/data/new", "/data/hard"]);
      assert.deepEqual([nomap.code, nomap.stdout], [0, "1000:1000\n1000:1000\n"], `${driver}: ${nomap.stderr}`);
    }
  });

  it("runs detached, execs, logs, stops and removes; one pause process for every command", (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(as(withIds, ["run", "-d", "--name", "bg", "--network", "none", image, "sh", "-c", "echo started; sleep 300"]).code, 0);
    const pause = pauseOf(withIds);
    assert.deepEqual(as(withIds, ["exec", "bg", "cat", "/data/new"]), { code: 0, stdout: "fresh\n", stderr: "" });
    assert.equal(as(withIds, ["logs", "bg"]).stdout, "started\n");
    assert.equal(as(withIds, ["inspect", "--format", "{{.State.Running}}", "bg"]).stdout, "true\n");
    assert.equal(as(withIds, ["stop", "-t", "1", "bg"]).code, 0);
    assert.equal(as(withIds, ["rm", "bg"]).code, 0);
    assert.equal(as(withIds, ["ps", "-aq"]).stdout, "");
    assert.equal(pauseOf(withIds), pause, "every command joined the same namespace");
    assert.ok(alive(pause));
    // nothing of the container is left mounted in the namespace
    assert.ok(!readFileSync(`/proc/${pause}/mountinfo`, "utf8").includes(withIds.runtime), "no mount left under the runtime directory");
  });

  it("passes a SIGTERM sent to the command on to the container, and waits for it", (t) => {
    if (!requiresRoot(t)) return;
    const started = Date.now();
    const argv = asArgv(withIds, ["run", "--rm", "--network", "none", image, "sh", "-c", 'trap "exit 7" TERM; while :; do sleep 0.1; done']);
    // timeout(1) inside runuser: its SIGTERM goes to the outer skiff, which joined the namespace for the inner one
    const r = spawnSync("runuser", [...argv.slice(0, 3), "timeout", "--preserve-status", "-s", "TERM", "2", ...argv.slice(3)], { encoding: "utf8", timeout: 60000 });
    assert.equal(r.status, 7, r.stderr);
    assert.ok(Date.now() - started < 20000, "the container ended with the signal");
    assert.equal(as(withIds, ["ps", "-aq"]).stdout, "", "--rm removed it");
  });

  it("runs with the host's network; warns that limits do not apply", (t) => {
    if (!requiresRoot(t)) return;
    const host = as(withIds, ["run", "--rm", "--network", "host", image, "true"]);
    assert.deepEqual([host.code, host.stderr], [0, ""]);
    const limited = as(withIds, ["run", "--rm", "--network", "none", "--memory", "64m", image, "true"]);
    assert.equal(limited.code, 0, limited.stderr);
    assert.match(limited.stderr, /--memory ignored: rootless resource limits need cgroup v2/);
  });

  // pasta is the default where it is installed (setup.sh installs it), slirp4netns otherwise
  for (const network of ["pasta", "slirp4netns"]) {
    it(`--network ${network}${network === "pasta" ? " (the default)" : ""}: published ports answer, the host is reachable, DNS resolves; nothing left after rm`, async (t) => {
      if (!requiresRoot(t)) return;
      const flags = network === "pasta" ? [] : ["--network", network];
      // a server on the host's own (non-loopback) address, for the container to reach out to
      const hostIp = Object.values(networkInterfaces()).flat().find((a) => a && a.family === "IPv4" && !a.internal)!.address;
      const server = createServer((_q, res) => res.end("from the host\n"));
      await new Promise<void>((r) => server.listen(0, "0.0.0.0", () => r()));
      const hostPort = (server.address() as { port: number }).port;
      // pasta gives the container the host's address (the host is reached at the gateway's,
      // host.containers.internal); slirp4netns its own, with its DNS forwarder first
      const [address, resolver, host] = network === "pasta" ? [hostIp, "nameserver ", "host.containers.internal"] : ["10.0.2.100", "nameserver 10.0.2.3", hostIp];
      try {
        const out = await asAsync(withIds, ["run", "--rm", ...flags, image, "sh", "-c", `ip -4 -o addr | grep -o '${address}/[0-9]*'; head -1 /etc/resolv.conf; wget -q -O- http://${host}:${hostPort}/`]);
        assert.equal(out.code, 0, out.stderr);
        const [ip, ns, body] = out.stdout.split("\n");
        assert.match(ip, new RegExp(`^${address.replace(/\./g, "\\.")}/\\d+$`));
        assert.ok(ns.startsWith(resolver), ns);
        assert.equal(body, "from the host");
      } finally {
        server.close();
      }
      const port = 20000 + Math.floor(Math.random() * 20000);
      const web = as(withIds, ["run", "-d", "--name", "web", ...flags, "-p", `127.0.0.1:${port}:80`, image, "sh", "-c", "mkdir /www && echo hello-rootless > /www/index.html && exec httpd -f -p 80 -h /www"]);
      assert.equal(web.code, 0, web.stderr);
      let body = "";
      for (let i = 0; i < 50 && !body; i++) {
        body = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.text(), () => "");
        if (!body) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(body, "hello-rootless\n");
      assert.equal(as(withIds, ["ps", "--format", "{{.Names}} {{.Ports}}"]).stdout, `web 127.0.0.1:${port}->80/tcp\n`);
      assert.equal(as(withIds, ["port", "web", "80"]).stdout, `127.0.0.1:${port}\n`);
      assert.equal(as(withIds, ["inspect", "--format", "{{.NetworkSettings.IPAddress}}", "web"]).stdout, `${address}\n`);
      // a second container cannot take the same host port
      const twice = as(withIds, ["run", "--rm", ...flags, "-p", `127.0.0.1:${port}:80`, image, "true"]);
      assert.equal(twice.code, 126);
      assert.match(twice.stderr, /address already in use/);
      const record = JSON.parse(readFileSync(join(withIds.runtime, "skiff", "networks", `${as(withIds, ["inspect", "--format", "{{.Id}}", "web"]).stdout.trim()}.json`), "utf8"));
      assert.equal(record.helper.kind, network);
      assert.ok(alive(record.helper.pid));
      assert.equal(as(withIds, ["rm", "-f", "-t", "0", "web"]).code, 0);
      // the helper stopped (a zombie until init reaps it), its namespace file and socket gone
      const gone = () => { try { return readFileSync(`/proc/${record.helper.pid}/stat`, "utf8").includes(") Z "); } catch { return true; } };
      for (let i = 0; i < 50 && !gone(); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(gone(), `${network} still runs`);
      assert.deepEqual(readdirSync(join(withIds.runtime, "skiff", "usermode")), []);
      assert.ok(!readFileSync(`/proc/${pauseOf(withIds)}/mountinfo`, "utf8").includes(`${withIds.runtime}/skiff/usermode`), "no namespace file left mounted");
    });
  }

  it("user networks and the bridge: containers reach each other by name, -p answers; nothing left after rm and network rm", async (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(as(withIds, ["network", "create", "backend"]).code, 0);
    const serve = "mkdir /www && echo hello-$(hostname) > /www/index.html && exec httpd -f -p 80 -h /www";
    assert.equal(as(withIds, ["run", "-d", "--name", "db", "--hostname", "db", "--network", "backend", image, "sh", "-c", serve]).code, 0);
    const peer = await asAsync(withIds, ["run", "--rm", "--network", "backend", image, "sh", "-c", "for i in $(seq 50); do wget -q -O- http://db/ && exit 0; sleep 0.1; done; exit 1"]);
    assert.deepEqual([peer.code, peer.stdout], [0, "hello-db\n"], peer.stderr);
    const port = 20000 + Math.floor(Math.random() * 20000);
    assert.equal(as(withIds, ["run", "-d", "--name", "front", "--hostname", "front", "--network", "bridge", "-p", `127.0.0.1:${port}:80`, image, "sh", "-c", serve]).code, 0);
    let body = "";
    for (let i = 0; i < 50 && !body; i++) {
      body = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.text(), () => "");
      if (!body) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(body, "hello-front\n");
    assert.match(as(withIds, ["inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "front"]).stdout, /^10\.90\.\d+\.\d+\n$/);
    assert.equal(as(withIds, ["rm", "-f", "-t", "0", "db", "front"]).code, 0);
    assert.equal(as(withIds, ["network", "rm", "backend"]).code, 0);
    // no container's namespace, lease, forward or rule is left in the store's rootless namespace
    assert.deepEqual(readdirSync(join(withIds.runtime, "skiff", "netns")), []);
    const ipam = join(withIds.runtime, "skiff", "ipam");
    const leases = readdirSync(ipam).flatMap((n) => readdirSync(join(ipam, n)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)));
    assert.deepEqual(leases, []);
    const rules = as(withIds, ["unshare", "nsenter", `--net=${join(withIds.runtime, "skiff", "rootless-netns", "netns")}`, "iptables-save"]).stdout;
    assert.doesNotMatch(rules, /CNI-[0-9a-f]{8,}|DN-[0-9a-f]/, "per-container rules left");
    const links = as(withIds, ["unshare", "nsenter", `--net=${join(withIds.runtime, "skiff", "rootless-netns", "netns")}`, "ip", "-o", "link"]).stdout;
    assert.doesNotMatch(links, /veth/, "veths left");
  });

  it("refuses a privileged host port, and a /dev/net/tun it cannot open, in one line naming the fix", (t) => {
    if (!requiresRoot(t)) return;
    const low = as(withIds, ["run", "--rm", "-p", "80:80", image, "true"]);
    assert.equal(low.code, 126);
    assert.match(low.stderr, /^Error: cannot expose privileged port 80 as an ordinary user \(add 'net\.ipv4\.ip_unprivileged_port_start=80' to \/etc\/sysctl\.conf \(currently 1024\), or choose a port number >= 1024\)\n$/);
    const mode = statSync("/dev/net/tun").mode & 0o777;
    chmodSync("/dev/net/tun", 0o600);
    try {
      for (const network of ["pasta", "slirp4netns"]) {
        const r = as(withIds, ["run", "--rm", "--network", network, image, "true"]);
        assert.equal(r.code, 126);
        assert.match(r.stderr, new RegExp(`^Error: ${network} could not set up the network: .*tun.*\\(${network} needs /dev/net/tun .*chmod 0666 /dev/net/tun.*\\)\\n$`));
      }
    } finally {
      chmodSync("/dev/net/tun", mode);
    }
    assert.equal(as(withIds, ["ps", "-aq"]).stdout, "", "--rm removed the containers that could not start");
  });

  it("unshare runs a command as root in the namespace; system migrate makes it again", (t) => {
    if (!requiresRoot(t)) return;
    assert.deepEqual(as(withIds, ["unshare", "id", "-u"]), { code: 0, stdout: "0\n", stderr: "" });
    assert.equal(as(withIds, ["unshare", "sh", "-c", "exit 7"]).code, 7);
    const map = as(withIds, ["unshare", "cat", "/proc/self/uid_map"]).stdout.trim().split("\n").map((l) => l.trim().split(/\s+/).join(" "));
    const [range] = subordinateRanges(readFileSync("/etc/subuid", "utf8"), withIds.name, withIds.uid);
    assert.deepEqual(map, [`0 ${withIds.uid} 1`, `1 ${range.start} ${range.count}`]);
    const before = pauseOf(withIds);
    assert.equal(as(withIds, ["system", "migrate"]).code, 0);
    assert.ok(!alive(before) || readFileSync(`/proc/${before}/stat`, "utf8").includes(") Z "), "the old holder is gone");
    assert.equal(as(withIds, ["images", "-q"]).code, 0);
    assert.notEqual(pauseOf(withIds), before);
    // as root there is no such namespace (podman's words)
    const root = skiff(["unshare", "true"]);
    assert.deepEqual([root.code, root.stderr], [125, "Error: please use unshare with rootless\n"]);
  });

  it("info reports rootless, the user's store, the mappings and slirp4netns", (t) => {
    if (!requiresRoot(t)) return;
    const r = as(withIds, ["info", "--format", "{{.Host.Security.Rootless}} {{.Store.GraphRoot}} {{.Host.Slirp4NetNS.Executable}}"]);
    assert.deepEqual(r, { code: 0, stdout: `true ${join(withIds.home, ".local", "share", "skiff")} /usr/bin/slirp4netns\n`, stderr: "" });
    const info = JSON.parse(as(withIds, ["info", "--format", "json"]).stdout);
    assert.deepEqual(info.host.idMappings.uidmap[0], { container_id: 0, host_id: withIds.uid, size: 1 });
    assert.equal(info.host.idMappings.uidmap[1].container_id, 1);
    assert.match(info.host.slirp4netns.version, /^slirp4netns version 1\./);
  });

  it("writes a named volume and reads it back; nothing the container writes is owned by host root", (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(as(withIds, ["volume", "create", "keep"]).code, 0);
    assert.equal(as(withIds, ["run", "--rm", "--network", "none", "-v", "keep:/keep", image, "sh", "-c", "echo kept > /keep/f && touch /rootfile && chown 1000:1000 /keep/f"]).code, 0);
    assert.deepEqual(as(withIds, ["run", "--rm", "--network", "none", "-v", "keep:/keep", image, "sh", "-c", "cat /keep/f; stat -c %u /keep/f"]), { code: 0, stdout: "kept\n1000\n", stderr: "" });
    const store = join(withIds.home, ".local", "share", "skiff");
    const rootOwned = execFileSync("find", [store, withIds.runtime, "-uid", "0"], { encoding: "utf8" }).trim();
    assert.equal(rootOwned, "", "files owned by host root");
    assert.equal(as(withIds, ["volume", "rm", "keep"]).code, 0);
  });

  it("saves an image and loads it back; runs -it on a terminal", (t) => {
    if (!requiresRoot(t)) return;
    const archive = join(withIds.home, "app.tar");
    assert.equal(as(withIds, ["save", "-o", archive, image]).code, 0);
    assert.equal(as(withIds, ["rmi", image]).code, 0);
    const loaded = as(withIds, ["load", "-i", archive]);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, /Loaded image: .*rootless\/app:latest/);
    // script(1) gives the command a pseudo-terminal
    const tty = spawnSync("runuser", ["-u", withIds.name, "--", "script", "-qec", asArgv(withIds, ["run", "--rm", "-it", "--network", "none", image, "sh", "-c", "tty; echo on-a-tty"]).slice(3).map((a) => `'${a}'`).join(" "), "/dev/null"], { encoding: "utf8", input: "", timeout: 60000 });
    assert.equal(tty.status, 0, tty.stderr);
    assert.match(tty.stdout, /\/dev\/pts\/0\r?\non-a-tty/);
  });

  it("builds from a context in the working directory, RUN on the rootless network", (t) => {
    if (!requiresRoot(t)) return;
    const ctxDir = join(withIds.home, "app");
    mkdirSync(ctxDir);
    writeFileSync(join(ctxDir, "Containerfile"), `FROM ${image}\nRUN echo built > /built && chown 1000:1000 /built\nCOPY f /f\nCMD ["cat", "/built", "/f"]\n`);
    writeFileSync(join(ctxDir, "f"), "copied\n");
    execFileSync("chown", ["-R", `${withIds.uid}:${withIds.gid}`, ctxDir]);
    const b = spawnSync("runuser", asArgv(withIds, ["build", "-q", "-t", "built", "."]), { cwd: ctxDir, encoding: "utf8", timeout: 120000 });
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual(as(withIds, ["run", "--rm", "--network", "none", "built"]), { code: 0, stdout: "built\ncopied\n", stderr: "" });
    assert.equal(as(withIds, ["run", "--rm", "--network", "none", "built", "stat", "-c", "%u", "/built"]).stdout, "1000\n");
  });

  it("--userns keep-id: the user's own IDs in the container, for its files too, on every network; root refused as podman", async (t) => {
    if (!requiresRoot(t)) return;
    const dir = join(withIds.home, "kept");
    mkdirSync(dir);
    writeFileSync(join(dir, "f"), "mine\n");
    execFileSync("chown", ["-R", `${withIds.uid}:${withIds.gid}`, dir]);
    const r = as(withIds, ["run", "--rm", "--network", "none", "--userns", "keep-id", "-v", `${dir}:/d`, image, "sh", "-c", "id -u; id -g; stat -c %u /d/f; stat -c '%u %g' / /bin/busybox; touch /d/new"]);
    assert.deepEqual([r.code, r.stdout], [0, `${withIds.uid}\n${withIds.gid}\n${withIds.uid}\n0 0\n0 0\n`], r.stderr);
    assert.equal(statSync(join(dir, "new")).uid, withIds.uid, "a file the container made is the user's on the host");
    for (const network of ["pasta", "slirp4netns", "bridge"]) {
      const port = 20000 + Math.floor(Math.random() * 20000);
      const d = as(withIds, ["run", "-d", "--name", "kept", "--network", network, "--userns", "keep-id", "-p", `127.0.0.1:${port}:8080`, image, "sh", "-c", "mkdir -p /tmp/www && echo kept > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]);
      assert.equal(d.code, 0, d.stderr);
      // runc exec joins the container's user namespace first: its network namespace is owned by it
      assert.deepEqual(as(withIds, ["exec", "kept", "id", "-u"]), { code: 0, stdout: `${withIds.uid}\n`, stderr: "" }, network);
      assert.equal(as(withIds, ["exec", "-u", "0", "kept", "id", "-u"]).stdout, "0\n");
      let body = "";
      for (let i = 0; i < 50 && !body; i++) {
        body = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }).then((x) => x.text(), () => "");
        if (!body) await new Promise((res) => setTimeout(res, 100));
      }
      assert.equal(body, "kept\n", network);
      assert.equal(as(withIds, ["rm", "-f", "-t", "0", "kept"]).code, 0);
    }
    assert.deepEqual(readdirSync(join(withIds.runtime, "skiff", "userns")), [], "no user namespace file left");
    const root = skiff(["run", "--rm", "--userns", "keep-id", "nosuchimage", "true"]);
    assert.deepEqual([root.code, root.stderr], [125, "Error: keep-id is only supported in rootless mode\n"]);
  });

  it("--userns nomap: only the subordinate IDs in the container, the image's owners kept, the user's files nobody's; root refused as podman", (t) => {
    if (!requiresRoot(t)) return;
    const dir = join(withIds.home, "nomap");
    mkdirSync(dir);
    writeFileSync(join(dir, "f"), "mine\n");
    execFileSync("chown", ["-R", `${withIds.uid}:${withIds.gid}`, dir]);
    chmodSync(dir, 0o777);
    const r = as(withIds, ["run", "--rm", "--network", "none", "--userns", "nomap", "-v", `${dir}:/d`, image, "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c '%u %g' / /bin/busybox /d/f; touch /d/new"]);
    // podman 4.3.1 as the same user (tried): "0 1 65536" in both maps, root in the container
    const line = (n: number) => `${"0".padStart(10)}${"1".padStart(11)}${String(n).padStart(11)}`;
    assert.deepEqual([r.code, r.stdout], [0, `${line(65536)}\n${line(65536)}\n0\n0 0\n0 0\n65534 65534\n`], r.stderr);
    // the container's root is the first subordinate ID on the host, not the user and not root
    const [range] = subordinateRanges(readFileSync("/etc/subuid", "utf8"), withIds.name, withIds.uid);
    assert.equal(statSync(join(dir, "new")).uid, range.start);
    // runc's init, as the container's root, walks to the rootfs under the store: as podman, the
    // user's own 0700 directories on the way get the search bits, and nothing else does
    assert.equal(statSync(withIds.home).mode & 0o777, 0o711);
    assert.equal(statSync(join(withIds.home, ".local", "share", "skiff", "containers")).mode & 0o777, 0o711);
    assert.equal(statSync(withIds.runtime).mode & 0o777, 0o700, "the runtime directory stays the user's alone");
    // a directory of someone else's in the way: one line that names the chmod, and nothing changed
    const locked = mkdtempSync(join(tmpdir(), "skiff-nomap-"));
    chownSync(locked, 0, withIds.gid);
    chmodSync(locked, 0o770);
    try {
      const refused = as(withIds, ["--root", join(locked, "store"), "run", "--rm", "--network", "none", "--userns", "nomap", image, "true"]);
      // (the pull into the new store prints its progress first)
      assert.deepEqual([refused.code, refused.stderr.split("\n").at(-2)], [125, `Error: --userns nomap: ${locked} is not searchable by other users, and the container's root is one (chmod o+x ${locked})`]);
      assert.equal(statSync(locked).mode & 0o777, 0o770);
      // a --root the user may not write: one plain line, as podman's "mkdir DIR: permission denied"
      chmodSync(locked, 0o750);
      const unwritable = as(withIds, ["--root", join(locked, "other"), "images"]);
      assert.deepEqual([unwritable.code, unwritable.stderr], [125, `Error: permission denied (mkdir ${join(locked, "other")})\n`]);
    } finally {
      rmSync(locked, { recursive: true, force: true });
    }
    const root = skiff(["run", "--rm", "--userns", "nomap", "nosuchimage", "true"]);
    assert.deepEqual([root.code, root.stderr], [125, "Error: nomap is only supported in rootless mode\n"]);
    assert.deepEqual(readdirSync(join(withIds.runtime, "skiff", "userns")), [], "no user namespace file left");
    assert.doesNotMatch(readFileSync(`/proc/${pauseOf(withIds)}/mountinfo`, "utf8"), new RegExp(` ${withIds.home}/\\S+/merged `), "no rootfs left mounted under the store");
  });

  it("--userns auto: concurrent creates get ranges apart, a removed container's range is free again, too big and root refused in one line", async (t) => {
    if (!requiresRoot(t)) return;
    const create = (name: string) => asAsync(withIds, ["create", "--name", name, "--network", "none", "--userns", "auto", image, "true"]);
    const names = ["auto1", "auto2", "auto3", "auto4"];
    try {
      const made = await Promise.all(names.map(create));
      for (const r of made) assert.equal(r.code, 0, r.stderr);
      const ranges = names.map((n) => JSON.parse(readFileSync(join(withIds.home, ".local", "share", "skiff", "containers", made[names.indexOf(n)].stdout.trim(), "container.json"), "utf8")).options.autoIds as { start: number; size: number });
      const sorted = [...ranges].sort((a, b) => a.start - b.start);
      // the lowest ranges, one after another: 1.., then each where the last ended
      assert.equal(sorted[0].start, 1);
      for (let i = 1; i < sorted.length; i++) assert.equal(sorted[i].start, sorted[i - 1].start + sorted[i - 1].size, JSON.stringify(sorted));
      assert.ok(sorted.every((r) => r.size === 1024), "the image's owners (1000) fit in the smallest range");
      // the first range freed: the next container gets it
      const first = names[ranges.indexOf(sorted[0])];
      assert.equal(as(withIds, ["rm", first]).code, 0);
      const again = await create("auto5");
      assert.equal(again.code, 0, again.stderr);
      assert.equal(JSON.parse(readFileSync(join(withIds.home, ".local", "share", "skiff", "containers", again.stdout.trim(), "container.json"), "utf8")).options.autoIds.start, 1);
      const big = as(withIds, ["create", "--userns", "auto:size=65536", image, "true"]);
      assert.equal(big.code, 125);
      assert.match(big.stderr, /^Error: --userns auto: could not find enough available IDs \(65536 needed, \d+ free\) \(remove containers made with --userns auto/m);
      const root = skiff(["create", "--userns", "auto", "nosuchimage", "true"]);
      assert.deepEqual([root.code, root.stderr], [125, "Error: --userns auto as root: not supported yet (run it as an ordinary user (rootless), or use --userns host)\n"]);
    } finally {
      as(withIds, ["rm", "-f", ...names, "auto5"]);
    }
  });

  it("--userns nomap and auto side by side with rootless podman: the same maps, IDs and owners, ranges apart, and the same 0711 on a 0700 home", (t) => {
    if (!requiresRoot(t)) return;
    const u = user(WITH_IDS, false);
    const base = join(u.home, "..");
    const tar = join(base, "bb.tar");
    // a file owned by 3000:3100: auto sizes the range to 3101 (podman 4.3.1: "0 1 3101")
    writeFileSync(tar, makeTar([...busyboxEntries(), { name: "data/", type: "dir" }, { name: "data/f", content: "x", uid: 3000, gid: 3100 }]));
    chmodSync(tar, 0o644);
    const conf = join(base, "containers.conf");
    copyFileSync(join(REPO, "bench", "containers.conf"), conf);
    chmodSync(conf, 0o644);
    const [podHome, podRun] = [join(base, "podman-home"), join(base, "podman-run")];
    for (const d of [podHome, podRun]) {
      mkdirSync(d, { mode: 0o700 });
      chownSync(d, u.uid, u.gid);
    }
    const script = "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; stat -c '%u:%g %a' / /bin";
    const podman = (args: string[]) => spawnSync("runuser", ["-u", u.name, "--", "env", "-i", `HOME=${podHome}`, `XDG_RUNTIME_DIR=${podRun}`, `CONTAINERS_CONF=${conf}`, "PATH=/usr/bin:/bin:/usr/sbin:/sbin", "podman", ...args], { encoding: "utf8", timeout: 120000, cwd: base });
    try {
      assert.equal(podman(["import", tar, "localhost/bb:nomap"]).status, 0);
      const theirs = podman(["run", "--rm", "--network", "none", "--userns", "nomap", "localhost/bb:nomap", "sh", "-c", script]);
      assert.equal(as(u, ["import", tar, "localhost/bb:nomap"]).code, 0);
      const ours = as(u, ["run", "--rm", "--network", "none", "--userns", "nomap", "localhost/bb:nomap", "sh", "-c", script]);
      assert.equal(theirs.status, 0, theirs.stderr);
      assert.match(theirs.stdout, /^ +0 +1 +65536\n/);
      assert.deepEqual([ours.code, ours.stdout], [0, theirs.stdout], ours.stderr);
      assert.deepEqual([statSync(u.home).mode & 0o777, statSync(podHome).mode & 0o777], [0o711, 0o711]);
      // auto: one container running, the next gets the IDs after its range; a smaller size is taken
      // as asked, the image's files outside it shown as the overflow ID
      const maps = "cat /proc/self/uid_map /proc/self/gid_map; stat -c '%u:%g' /data/f";
      const autoRun = (tool: (args: string[]) => { stdout: string }) => {
        tool(["run", "-d", "--name", "first", "--network", "none", "--userns", "auto", "localhost/bb:nomap", "sleep", "60"]);
        const out = ["auto", "auto:size=500", "auto:uidmapping=500:5000:10,gidmapping=0:60000:2"].map((mode) => tool(["run", "--rm", "--network", "none", "--userns", mode, "localhost/bb:nomap", "sh", "-c", maps]).stdout);
        tool(["rm", "-f", "-t", "0", "first"]);
        return out;
      };
      const theirAuto = autoRun(podman);
      const ourAuto = autoRun((args) => as(u, args));
      const line = (a: number, b: number, n: number) => `${String(a).padStart(10)}${String(b).padStart(11)}${String(n).padStart(11)}\n`;
      assert.deepEqual(theirAuto.slice(0, 2), [`${line(0, 3102, 3101)}${line(0, 3102, 3101)}3000:3100\n`, `${line(0, 3102, 500)}${line(0, 3102, 500)}65534:65534\n`]);
      // IDs mapped by hand: the others take the range's IDs in order, as podman lays them out
      // (5000..5009 are inside the range 3102..6202: the run of IDs steps over them)
      assert.match(theirAuto[2], new RegExp(`^${line(0, 3102, 500)}${line(510, 3602, 1398)}${line(1908, 5010, 1193)}${line(500, 5000, 10)}${line(2, 3102, 3099)}${line(0, 60000, 2)}`));
      assert.deepEqual(ourAuto, theirAuto);
    } finally {
      podman(["system", "reset", "--force"]);
      try { process.kill(Number(readFileSync(join(podRun, "libpod", "tmp", "pause.pid"), "utf8")), "SIGKILL"); } catch { /* none */ }
    }
  });

  it("runs with the runtime directory on a noexec file system (nothing is executed from it)", (t) => {
    if (!requiresRoot(t)) return;
    const u = user(WITH_IDS, false);
    execFileSync("mount", ["-t", "tmpfs", "-o", `noexec,nosuid,nodev,mode=0700,uid=${u.uid},gid=${u.gid}`, "tmpfs", u.runtime]);
    try {
      const tar = join(u.home, "bb.tar");
      writeFileSync(tar, makeTar(busyboxEntries()));
      execFileSync("chown", [`${u.uid}:${u.gid}`, tar]);
      assert.equal(as(u, ["import", tar, "bb"]).code, 0);
      const r = as(u, ["run", "--rm", "--network", "none", "bb", "echo", "ran"]);
      assert.deepEqual([r.code, r.stdout], [0, "ran\n"], r.stderr);
    } finally {
      as(u, ["system", "migrate"]);
      try { process.kill(pauseOf(u), "SIGKILL"); } catch { /* gone */ }
      spawnSync("umount", ["-l", u.runtime]);
    }
  });

  it("without newuidmap: one line that names the uidmap package", (t) => {
    if (!requiresRoot(t)) return;
    const u = user(WITH_IDS, false);
    // a PATH with what the namespace needs but newuidmap
    const bin = join(u.runtime, "..", "bin");
    mkdirSync(bin);
    for (const tool of ["unshare", "nsenter"]) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    const r = spawnSync("runuser", ["-u", u.name, "--", "env", "-i", `HOME=${u.home}`, `XDG_RUNTIME_DIR=${u.runtime}`, `PATH=${bin}`, u.bin, "images"], { encoding: "utf8", timeout: 60000 });
    assert.equal(r.status, 125);
    assert.equal(r.stderr, "Error: newuidmap is not installed: it maps your subordinate IDs into the user namespace (install the uidmap package (apt-get install uidmap))\n");
    assert.ok(!existsSync(join(u.runtime, "skiff", "pause.pid")), "no namespace recorded");
  });

  it("makes one namespace when the first commands run at once", async (t) => {
    if (!requiresRoot(t)) return;
    const u = user(WITH_IDS, false);
    const holders = () => new Set(execFileSync("ps", ["-u", u.name, "-o", "pid=,args="], { encoding: "utf8" }).split("\n").filter((l) => /catatonit|sleep infinity/.test(l)).map((l) => Number(l.trim().split(" ")[0])));
    const before = holders();
    const runs = Array.from({ length: 4 }, () => new Promise<number>((resolve) => {
      const c = spawn("runuser", asArgv(u, ["images", "-q"]), { stdio: "ignore" });
      c.on("close", (code) => resolve(code ?? 137));
    }));
    assert.deepEqual(await Promise.all(runs), [0, 0, 0, 0]);
    const made = [...holders()].filter((pid) => !before.has(pid));
    assert.deepEqual(made, [pauseOf(u)]);
  });

  it("without subordinate IDs: one ID mapped with one warning, and an image of several owners fails in one line", (t) => {
    if (!requiresRoot(t)) return;
    const tar = join(withoutIds.runtime, "..", "one.tar");
    writeFileSync(tar, makeTar(busyboxEntries()));
    chmodSync(tar, 0o644);
    const first = as(withoutIds, ["import", tar, "one"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^WARN\s+no subordinate IDs for skiff-rootless1 in \/etc\/subuid and \/etc\/subgid: only your own ID is mapped.*skiff system migrate\)\n$/);
    assert.equal(as(withoutIds, ["images", "-q"]).stderr, "", "the warning comes once, when the namespace is made");
    const owners = join(withoutIds.runtime, "..", "owners.tar");
    writeFileSync(owners, makeTar([...busyboxEntries(), { name: "home/", type: "dir" }, { name: "home/app", content: "x", uid: 1000, gid: 1000 }]));
    chmodSync(owners, 0o644);
    const r = as(withoutIds, ["import", owners, "owners"]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^Error: home\/app is owned by 1000:1000, which your user namespace does not map \(add a range of subordinate IDs for your user to \/etc\/subuid and \/etc\/subgid.*\)\n$/);
    assert.equal(as(withoutIds, ["images", "--format", "{{.Repository}}"]).stdout, "localhost/one\n", "nothing half-imported");
    rmSync(tar);
    rmSync(owners);
  });
});
