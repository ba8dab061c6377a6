/**
 * run flags podman users' scripts pass, run by podman 4.3 and by skiff on the same Debian minbase
 * image, comparing what the container sees: --tz, --shm-size, --cpu-shares, --cpuset-cpus,
 * --memory-swap, --env-host, --hostuser, --net, -u of a UID the image does not know (podman's
 * passwd and group lines), /run/.containerenv, TERM and container=.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { appEntries } from "../helpers/containers.js";
import { makeTar } from "../helpers/tar.js";
import { isolatedEnv, requiresRoot, skiff, type Result } from "../helpers/skiff.js";
import { isolatedPodman, minbase, type Podman } from "../helpers/podman.js";

const isRoot = process.getuid?.() === 0;
let env: NodeJS.ProcessEnv;
let podman: Podman;
let tools: Record<"podman" | "skiff", (args: string[], extraEnv?: NodeJS.ProcessEnv) => Result>;

describe("run flags, as podman's", () => {
  before(() => {
    if (!isRoot) return;
    env = isolatedEnv();
    podman = isolatedPodman();
    assert.equal(skiff(["import", minbase(), "mb"], { env, timeoutMs: 120000 }).code, 0);
    assert.equal(podman.run(["import", minbase(), "mb"], { timeoutMs: 120000 }).code, 0);
    tools = {
      podman: (args) => podman.run(args),
      skiff: (args, extraEnv = {}) => skiff(args, { env: { ...env, ...extraEnv } }),
    };
  });
  after(() => {
    if (!isRoot) return;
    podman.dispose();
  });

  const cases: [string, string[], string][] = [
    ["an unknown -u UID gets podman's passwd and group lines; TERM and container are set", ["-u", "1500:1600", "--net", "none"], 'tail -1 /etc/passwd; tail -1 /etc/group; id; echo "TERM=$TERM HOME=$HOME"; test -f /run/.containerenv && echo containerenv; echo "container=${container:+set}"'],
    ["--tz and --shm-size", ["--tz", "Europe/Paris", "--shm-size", "10m", "--net", "none"], "date +%Z; df -h /dev/shm | tail -1 | awk '{print $2}'"],
    ["--cpu-shares, --cpuset-cpus, --memory and --memory-swap reach the cgroup", ["-c", "512", "--cpuset-cpus", "0", "--memory", "64m", "--memory-swap", "128m", "--network", "none"], "cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"],
    ["--hostuser adds the host's line for a user the image lacks", ["--hostuser", "root", "--hostuser", "daemon", "--net", "none"], "grep -c '^root:' /etc/passwd; grep -c '^daemon:' /etc/passwd"],
  ];
  for (const [what, flags, script] of cases) {
    it(what, (t) => {
      if (!requiresRoot(t)) return;
      const seen = Object.fromEntries(Object.entries(tools).map(([name, run]) => {
        const r = run(["run", "--rm", ...flags, "mb", "sh", "-c", script]);
        return [name, { code: r.code, stdout: r.stdout }];
      }));
      assert.deepEqual(seen.skiff, seen.podman);
    });
  }

  it("--env-host passes the host's environment, -e still wins", (t) => {
    if (!requiresRoot(t)) return;
    const r = skiff(["run", "--rm", "--env-host", "-e", "B=mine", "--net", "none", "mb", "sh", "-c", 'echo "$A $B"'], { env: { ...env, A: "from-host", B: "host" } });
    assert.equal(r.stdout, "from-host mine\n", r.stderr);
  });

  it("refuses what podman refuses, before anything is made", (t) => {
    if (!requiresRoot(t)) return;
    for (const flags of [["--tz", "Nope/Nowhere"], ["--cpuset-cpus", "zero"], ["--memory-swap", "1m"], ["--userns", "keep-id"]]) {
      const r = tools.skiff(["run", "--rm", ...flags, "mb", "true"]);
      assert.equal(r.code, 125, `${flags.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^Error: [^\n]+\n$/);
      assert.notEqual(tools.podman(["run", "--rm", ...flags, "mb", "true"]).code, 0, `podman refuses ${flags.join(" ")} too`);
    }
    assert.equal(tools.skiff(["ps", "-aq"]).stdout, "");
  });

  it("a new volume over an image's VOLUME gets its content and owner (copy-up), once", (t) => {
    if (!requiresRoot(t)) return;
    // a service image: /srv/data belongs to its user and holds a seed file; VOLUME /srv/data
    const tar = join(mkdtempSync(join(tmpdir(), "skiff-copyup-")), "svc.tar");
    writeFileSync(tar, makeTar([...appEntries(), { name: "srv", type: "dir", mode: 0o755 }, { name: "srv/data", type: "dir", mode: 0o700, uid: 1000, gid: 1000 }, { name: "srv/data/seed", content: "seeded\n", mode: 0o600, uid: 1000, gid: 1000 }]));
    for (const run of Object.values(tools)) assert.equal(run(["import", "--change", "VOLUME /srv/data", "--change", "USER app", tar, "svc"]).code, 0);
    const script = "ls -ln /srv/data | tail -n +2 | awk '{print $1, $3, $4, $9}'; stat -c '%a %u' /srv/data; echo more >> /srv/data/seed; cat /srv/data/seed";
    const seen = Object.fromEntries(Object.entries(tools).map(([name, run]) => {
      const first = run(["run", "--rm", "--net", "none", "-v", "svcdata:/srv/data", "svc", "sh", "-c", script]);
      const again = run(["run", "--rm", "--net", "none", "-v", "svcdata:/srv/data", "svc", "cat", "/srv/data/seed"]);
      const anon = run(["run", "--rm", "--net", "none", "svc", "sh", "-c", "stat -c '%a %u' /srv/data; cat /srv/data/seed"]);
      run(["volume", "rm", "svcdata"]);
      return [name, { first: [first.code, first.stdout], again: again.stdout, anon: anon.stdout }];
    }));
    assert.deepEqual(seen.skiff, seen.podman);
    assert.equal(seen.skiff.again, "seeded\nmore\n", "copied once: the second run keeps what the first wrote");
  });

  it("/etc/hosts as podman writes it: the host's entries, host.containers.internal, the container (bridge and host)", (t) => {
    if (!requiresRoot(t)) return;
    const mask = (x: string) => x.replace(/\b10\.\d+\.\d+\.\d+\b/g, "IP").replace(/\b[0-9a-f]{12}\b/g, "ID");
    const seen = Object.fromEntries(Object.entries(tools).map(([name, run]) => [name, {
      bridge: mask(run(["run", "--rm", "--name", "hosty", "mb", "cat", "/etc/hosts"]).stdout),
      host: run(["run", "--rm", "--net", "host", "mb", "cat", "/etc/hosts"]).stdout,
    }]));
    assert.deepEqual(seen.skiff, seen.podman);
    assert.match(seen.skiff.bridge, /IP\thost\.containers\.internal\nIP\tID hosty\n$/);
  });
});
