/**
 * Images like real ones (Debian's glibc, nginx, a USER, an entrypoint that drops privileges, log
 * files that are symlinks to /dev/stdout), run by skiff and by podman 4.3 on the same input.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, mkdirSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isolatedEnv, requiresRoot, skiff, type Result } from "../helpers/skiff.js";
import { isolatedPodman, type Podman } from "../helpers/podman.js";
import { serverRootfsTar } from "../helpers/server-image.js";

const work = mkdtempSync(join(tmpdir(), "skiff-real-"));
const env = isolatedEnv();
let podman: Podman;
const sk = (args: string[], timeoutMs = 60000): Result => skiff(args, { env, timeoutMs });

const VARIANTS: Record<string, string[]> = {
  web: ['CMD ["nginx", "-g", "daemon off;"]', "EXPOSE 80"],
  app: ["USER app", 'CMD ["id"]'],
  drop: ['ENTRYPOINT ["/docker-entrypoint.sh"]', 'CMD ["id", "-un"]', "VOLUME /data"],
};

async function get(url: string, deadlineMs = 15000): Promise<string> {
  let last = "";
  for (const end = Date.now() + deadlineMs; Date.now() < end;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return await r.text();
    } catch (err) {
      last = (err as Error).message;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${url}: ${last}`);
}

const port = () => 20000 + Math.floor(Math.random() * 20000);

describe("real images, side by side with podman", { skip: process.getuid?.() !== 0 ? "needs root" : false }, () => {
  before(() => {
    podman = isolatedPodman();
    const tar = serverRootfsTar(work);
    for (const [name, changes] of Object.entries(VARIANTS)) {
      const c = changes.flatMap((x) => ["--change", x]);
      const s = sk(["import", ...c, tar, name]);
      assert.equal(s.code, 0, s.stderr);
      const p = podman.run(["import", "-q", ...c, tar, name], { timeoutMs: 120000 });
      assert.equal(p.code, 0, p.stderr);
    }
  });
  after(() => {
    sk(["rm", "-a", "-f", "-t", "0"]);
    podman?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it("serves nginx whose logs are symlinks to /dev/stdout and /dev/stderr, detached with -p", async (t) => {
    if (!requiresRoot(t)) return;
    const [ps, pp] = [port(), port()];
    const s = sk(["run", "-d", "--name", "web", "-p", `127.0.0.1:${ps}:80`, "web"]);
    assert.equal(s.code, 0, s.stderr);
    const p = podman.run(["run", "-d", "--name", "web", "-p", `127.0.0.1:${pp}:80`, "web"]);
    assert.equal(p.code, 0, p.stderr);
    const [bodyS, bodyP] = [await get(`http://127.0.0.1:${ps}/`), await get(`http://127.0.0.1:${pp}/`)];
    assert.equal(bodyS, "hello from nginx\n");
    assert.equal(bodyS, bodyP);
    // the access log went through /dev/stdout into the container's log
    const logs = sk(["logs", "web"]);
    assert.match(logs.stdout, /"GET \/ HTTP\/1\.1" 200/);
    assert.equal(sk(["inspect", "--format", "{{.State.Running}}", "web"]).stdout.trim(), "true");
    // exec'd processes open their stdout and stderr by path too
    const e = sk(["exec", "web", "sh", "-c", "echo out > /dev/stdout; echo err > /proc/self/fd/2"]);
    assert.deepEqual([e.code, e.stdout, e.stderr], [0, "out\n", "err\n"]);
    sk(["rm", "-f", "-t", "0", "web"]);
  });

  it("runs an image's USER and a dynamically linked program, and any -u, as podman", (t) => {
    if (!requiresRoot(t)) return;
    for (const args of [["app"], ["-u", "1500", "app", "sh", "-c", "ls / >/dev/null && id -u"], ["app", "stat", "-c", "%a %U", "/"]]) {
      const s = sk(["run", "--rm", ...args]), p = podman.run(["run", "--rm", ...args]);
      assert.equal(s.code, 0, s.stderr);
      assert.deepEqual([s.code, s.stdout], [p.code, p.stdout], args.join(" "));
    }
  });

  it("runs an entrypoint that fixes a volume's owner and drops privileges with gosu", (t) => {
    if (!requiresRoot(t)) return;
    const s = sk(["run", "--rm", "drop"]), p = podman.run(["run", "--rm", "drop"]);
    assert.deepEqual([s.code, s.stdout], [0, "app\n"], s.stderr);
    assert.deepEqual([s.code, s.stdout], [p.code, p.stdout]);
  });

  it("binds port 80 as a non-root user with --sysctl net.ipv4.ip_unprivileged_port_start", async (t) => {
    if (!requiresRoot(t)) return;
    const hp = port();
    const args = ["--sysctl", "net.ipv4.ip_unprivileged_port_start=80", "-u", "app", "app", "busybox", "httpd", "-f", "-p", "80", "-h", "/srv"];
    const s = sk(["run", "-d", "--name", "low", "-p", `127.0.0.1:${hp}:80`, ...args]);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(await get(`http://127.0.0.1:${hp}/`), "hello from port 80\n");
    sk(["rm", "-f", "-t", "0", "low"]);
    const without = sk(["run", "--rm", "-u", "app", "app", "busybox", "nc", "-l", "-p", "80"]);
    assert.notEqual(without.code, 0, "without the sysctl, port 80 is refused to a non-root user");
    assert.equal(sk(["run", "--rm", "--network", "host", "--sysctl", "net.ipv4.ip_forward=1", "app", "true"]).code, 125);
    assert.equal(sk(["run", "--rm", "--sysctl", "kernel.panic=1", "app", "true"]).code, 125);
  });

  it("writes --add-host, --dns, --dns-search and --dns-option as podman", (t) => {
    if (!requiresRoot(t)) return;
    const args = ["run", "--rm", "--add-host", "foo:1.2.3.4", "--add-host", "v6:fe80::1", "--dns", "9.9.9.9", "--dns-search", "example.com", "--dns-option", "ndots:2", "app", "sh", "-c", "head -2 /etc/hosts; echo ---; cat /etc/resolv.conf"];
    const s = sk(args), p = podman.run(args);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.stdout, p.stdout);
    for (const bad of [["--dns", "not-an-ip"], ["--add-host", "noip"]]) {
      const b = sk(["run", "--rm", ...bad, "app", "true"]), pb = podman.run(["run", "--rm", ...bad, "app", "true"]);
      assert.equal(b.code, 125);
      assert.equal(b.code, pb.code);
      assert.equal(b.stderr.trim().split("\n").length, 1);
    }
  });

  it("runs --privileged", (t) => {
    if (!requiresRoot(t)) return;
    const s = sk(["run", "--rm", "--privileged", "app", "true"]), p = podman.run(["run", "--rm", "--privileged", "app", "true"]);
    assert.deepEqual([s.code, s.stderr], [0, ""]);
    assert.equal(s.code, p.code);
    assert.equal(sk(["run", "--rm", "--cap-add", "all", "app", "true"]).code, 0);
  });

  it("untags with rmi -f NAME when the image has other names, as podman", (t) => {
    if (!requiresRoot(t)) return;
    for (const run of [sk, (a: string[]) => podman.run(a)]) assert.equal(run(["tag", "app", "app-alias"]).code, 0);
    const s = sk(["rmi", "-f", "app-alias"]), p = podman.run(["rmi", "-f", "app-alias"]);
    assert.deepEqual([s.code, s.stdout], [0, "Untagged: localhost/app-alias:latest\n"]);
    assert.deepEqual([s.code, s.stdout], [p.code, p.stdout]);
    assert.equal(sk(["image", "exists", "app"]).code, 0);
  });
});

describe("stdio of detached containers on every start path", { skip: process.getuid?.() !== 0 ? "needs root" : false }, () => {
  for (const launcher of ["compiled", "node"] as const) {
    it(`gives pipes, not sockets (${launcher})`, (t) => {
      if (!requiresRoot(t)) return;
      const e = isolatedEnv();
      const tar = join(work, `bb-${launcher}.tar`);
      const root = join(work, `bb-${launcher}`);
      mkdirSync(join(root, "bin"), { recursive: true });
      copyFileSync("/bin/busybox", join(root, "bin/busybox"));
      for (const a of ["sh", "ln", "echo", "readlink", "sleep"]) symlinkSync("busybox", join(root, "bin", a));
      execFileSync("tar", ["-C", root, "-cf", tar, "."]);
      assert.equal(skiff(["import", tar, "bb"], { env: e }).code, 0);
      const r = skiff(["run", "-d", "--name", "c", "bb", "sh", "-c", "ln -s /dev/stdout /o; echo via-link > /o; echo via-fd > /proc/self/fd/1; echo via-err > /dev/stderr"], { env: e, launcher });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(skiff(["wait", "c"], { env: e }).stdout.trim(), "0");
      const logs = skiff(["logs", "c"], { env: e });
      assert.equal(logs.stdout, "via-link\nvia-fd\n");
      assert.equal(logs.stderr, "via-err\n");
      skiff(["rm", "-f", "c"], { env: e });
    });
  }

  it("draws a free generated name for each of 300 containers", (t) => {
    if (!requiresRoot(t)) return;
    const e = isolatedEnv();
    assert.equal(skiff(["import", join(work, "bb-compiled.tar"), "bb"], { env: e }).code, 0);
    const script = `for i in $(seq 1 300); do "$SKIFF" create bb true >/dev/null || echo "failed: $i"; done`;
    const r = spawnSync("bash", ["-c", script], { env: { ...e, SKIFF: join(process.cwd(), "dist", "skiff") }, encoding: "utf8", timeout: 240000 });
    assert.equal(r.stdout, "", r.stderr);
    const names = skiff(["ps", "-a", "--format", "{{.Names}}"], { env: e }).stdout.trim().split("\n");
    assert.equal(new Set(names).size, 300);
    skiff(["rm", "-a", "-f"], { env: e, timeoutMs: 120000 });
  });
});
