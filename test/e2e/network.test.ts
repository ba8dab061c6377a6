/** Bridge networks through the real CNI plugins: published ports, UDP, user networks, none, and exact teardown. */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { containerEnv, processAlive, sk, stateOf, until } from "../helpers/containers.js";
import { BIN, requiresRoot, skiff, skiffAsync } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
const env = isRoot ? containerEnv() : {};

/**
 * What a leak on network `net` would leave: veths on its bridge, iptables rules for its subnet or
 * its CNI name, leases, and this store's network namespaces. Scoped, because other test files run
 * containers at the same time.
 */
function leftovers(net: { bridge: string; subnet: string; cni: string }) {
  const prefix = net.subnet.split(".").slice(0, 3).join(".") + ".";
  let veths: string[] = [];
  try {
    veths = execFileSync("ip", ["-o", "link", "show", "master", net.bridge], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch { /* no bridge: no veths */ }
  const rules = execFileSync("iptables-save", [], { encoding: "utf8" }).split("\n").filter((l) => l.includes(prefix) || l.includes(net.cni));
  const leases = (() => {
    try {
      return readdirSync(join("/run/skiff-ipam", net.cni)).filter((f) => /^\d/.test(f));
    } catch {
      return [];
    }
  })();
  const store = createHash("sha256").update(env.SKIFF_RUNROOT!).digest("hex").slice(0, 6);
  const netns = readdirSync("/run/netns").filter((n) => n.startsWith(`skiff-${store}-`));
  return { veths, rules, leases, netns };
}

/** This store's network teardowns are done (the shims take them down after reporting the exit). */
async function teardownsDone(): Promise<void> {
  const dir = join(env.SKIFF_RUNROOT!, "networks");
  const left = () => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  try {
    await until("network teardowns", () => left().length === 0, 30000);
  } catch (err) {
    // what is left, and which containers and shims are still there, for the next one to look at
    const records = left().map((f) => `${f}: ${readFileSync(join(dir, f), "utf8").slice(0, 400)}`);
    const ps = sk(env, ["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.State}}"]).stdout;
    throw new Error(`${(err as Error).message}\nleft: ${records.join("\n")}\ncontainers: ${ps}`);
  }
}

describe("bridge networking", () => {
  it("serves a web server on a published loopback port, and shows the port", async (t) => {
    if (!requiresRoot(t)) return;
    const www = join(env.SKIFF_ROOT!, "..", "www");
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, "index.html"), "hello from the container\n");
    const r = sk(env, ["run", "-d", "--name", "web", "-p", "127.0.0.1:18181:80", "-v", `${www}:/www:ro`, "bb", "httpd", "-f", "-p", "80", "-h", "/www"]);
    assert.equal(r.code, 0, r.stderr);
    let body = "";
    await until("the server to answer", () => {
      try {
        body = execFileSync("curl", ["-s", "-m", "2", "http://127.0.0.1:18181/"], { encoding: "utf8" });
      } catch { /* not yet */ }
      return body !== "";
    });
    assert.equal(body, "hello from the container\n");
    assert.equal(sk(env, ["port", "web"]).stdout, "80/tcp -> 127.0.0.1:18181\n");
    assert.equal(sk(env, ["port", "web", "80"]).stdout, "127.0.0.1:18181\n");
    assert.match(sk(env, ["ps", "--format", "{{.Ports}}"]).stdout, /127\.0\.0\.1:18181->80\/tcp/);
    const ip = sk(env, ["inspect", "--format", "{{.NetworkSettings.IPAddress}}", "web"]).stdout.trim();
    assert.match(ip, /^10\.90\.\d+\.\d+$/);
    assert.equal(sk(env, ["rm", "-f", "web"]).code, 0);
  });

  it("publishes UDP ports and random host ports", async (t) => {
    if (!requiresRoot(t)) return;
    // busybox-static has no UDP server: the plugins' DNAT rule for the datagrams is checked instead
    assert.equal(sk(env, ["run", "-d", "--name", "udp", "-p", "9999/udp", "bb", "sleep", "60"]).code, 0);
    const mapping = sk(env, ["port", "udp", "9999/udp"]).stdout.trim();
    const hostPort = Number(mapping.split(":")[1]);
    assert.ok(hostPort > 0, mapping);
    const ip = sk(env, ["inspect", "--format", "{{.NetworkSettings.IPAddress}}", "udp"]).stdout.trim();
    const nat = execFileSync("iptables-save", ["-t", "nat"], { encoding: "utf8" });
    assert.match(nat, new RegExp(`-p udp .*--dport ${hostPort} .*-j DNAT --to-destination ${ip.replaceAll(".", "\\.")}:9999`));
    assert.equal(sk(env, ["rm", "-f", "udp"]).code, 0);
    await teardownsDone();
    assert.doesNotMatch(execFileSync("iptables-save", ["-t", "nat"], { encoding: "utf8" }), new RegExp(`--dport ${hostPort} `));
  });

  it("gives --network none only a loopback interface, and host the host's", (t) => {
    if (!requiresRoot(t)) return;
    const none = sk(env, ["run", "--rm", "--network", "none", "bb", "sh", "-c", "ls /sys/class/net"]);
    assert.equal(none.stdout, "lo\n");
    const host = sk(env, ["run", "--rm", "--network", "host", "bb", "ls", "/sys/class/net"]);
    assert.deepEqual(host.stdout.trim().split(/\s+/).sort(), readdirSync("/sys/class/net").sort());
    const bridged = sk(env, ["run", "--rm", "bb", "ls", "/sys/class/net"]);
    assert.equal(bridged.stdout, "eth0\nlo\n");
  });

  it("connects containers on a user network by name, and creates, lists and removes networks", async (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(sk(env, ["network", "create", "--subnet", "10.91.200.0/24", "--label", "team=a", "backend"]).stdout, "backend\n");
    const [info] = JSON.parse(sk(env, ["network", "inspect", "backend"]).stdout);
    assert.deepEqual(info.subnets, [{ subnet: "10.91.200.0/24", gateway: "10.91.200.1" }]);
    assert.match(sk(env, ["network", "ls", "--format", "{{.Name}}"]).stdout, /^backend\nskiff\n$/);
    assert.equal(sk(env, ["network", "create", "--subnet", "10.91.200.0/25", "clash"]).code, 125);
    sk(env, ["run", "-d", "--name", "srv", "--network", "backend", "--network-alias", "api", "bb", "sh", "-c", "mkdir /w; echo from-srv > /w/i; httpd -f -p 8080 -h /w"]);
    const ip = sk(env, ["inspect", "--format", "{{.NetworkSettings.IPAddress}}", "srv"]).stdout.trim();
    assert.match(ip, /^10\.91\.200\.\d+$/);
    let got = "";
    await until("the other container to answer", () => {
      got = sk(env, ["run", "--rm", "--network", "backend", "bb", "wget", "-q", "-O", "-", `http://${ip}:8080/i`]).stdout;
      return got !== "";
    });
    assert.equal(got, "from-srv\n");
    // by name and by alias, from a container started after it
    const byName = sk(env, ["run", "--rm", "--network", "backend", "bb", "sh", "-c", "wget -q -O - http://srv:8080/i; wget -q -O - http://api:8080/i"]);
    assert.equal(byName.stdout, "from-srv\nfrom-srv\n", byName.stderr);
    // and the other way: a container started later is in the earlier one's hosts, until it stops
    sk(env, ["run", "-d", "--name", "late", "--network", "backend", "bb", "sleep", "60"]);
    assert.match(sk(env, ["exec", "srv", "cat", "/etc/hosts"]).stdout, /\tlate[\t ]/);
    sk(env, ["rm", "-f", "late"]);
    await until("late's line to go", () => !/\tlate[\t ]/.test(sk(env, ["exec", "srv", "cat", "/etc/hosts"]).stdout));
    const busy = sk(env, ["network", "rm", "backend"]);
    assert.equal(busy.code, 2);
    assert.equal(sk(env, ["network", "rm", "-f", "backend"]).stdout, "backend\n");
    assert.equal(sk(env, ["container", "exists", "srv"]).code, 1);
    assert.equal(sk(env, ["network", "exists", "backend"]).code, 1);
  });

  it("connects a running container to a second network and disconnects it, peers' names following", async (t) => {
    if (!requiresRoot(t)) return;
    const nets = ["front", "back"].map((n, i) => {
      assert.equal(sk(env, ["network", "create", "--subnet", `10.91.${201 + i}.0/24`, n]).code, 0);
      const [info] = JSON.parse(sk(env, ["network", "inspect", n]).stdout);
      return { bridge: info.network_interface, subnet: `10.91.${201 + i}.0/24`, cni: `skiff-${info.id.slice(0, 12)}` };
    });
    sk(env, ["run", "-d", "--name", "db", "--network", "back", "bb", "sh", "-c", "mkdir /w; echo from-db > /w/i; httpd -f -p 8080 -h /w"]);
    sk(env, ["run", "-d", "--name", "app", "--network", "front", "bb", "sleep", "120"]);
    // (busybox's wget -T crashes; a name that is not in /etc/hosts would wait for DNS: check the file)
    const fetchDb = () => sk(env, ["exec", "app", "wget", "-q", "-O", "-", "http://db:8080/i"]);
    const appHosts = () => sk(env, ["exec", "app", "cat", "/etc/hosts"]).stdout;
    assert.doesNotMatch(appHosts(), /\tdb[\t ]/, "not on the same network yet");

    assert.equal(sk(env, ["network", "connect", "--alias", "web", "back", "app"]).code, 0);
    let got = fetchDb();
    await until("db to answer over the new interface", () => (got = fetchDb()).code === 0);
    assert.equal(got.stdout, "from-db\n");
    assert.match(sk(env, ["exec", "db", "cat", "/etc/hosts"]).stdout, /^10\.91\.202\.\d+\tapp web[\t ]/m, "db learns app's name and alias");
    const networks = JSON.parse(sk(env, ["inspect", "--format", "{{json .NetworkSettings.Networks}}", "app"]).stdout);
    assert.deepEqual(Object.keys(networks), ["front", "back"]);
    assert.match(networks.front.IPAddress, /^10\.91\.201\./);
    assert.match(networks.back.IPAddress, /^10\.91\.202\./);
    assert.equal(networks.back.InterfaceName, "eth1");
    assert.equal(sk(env, ["ps", "--filter", "network=back", "--format", "{{.Names}}"]).stdout.split("\n").sort().join(" ").trim(), "app db");
    // only the first network carries the default route
    assert.match(sk(env, ["exec", "app", "ip", "route"]).stdout, /^default via 10\.91\.201\.1 dev eth0/m);

    // mistakes: one line, exit 125, nothing changed
    for (const bad of [["connect", "back", "app"], ["connect", "nosuchnet", "app"], ["disconnect", "skiff", "app"], ["connect", "back", "nosuchctr"]]) {
      const r = sk(env, ["network", ...bad]);
      assert.equal(r.code, 125, bad.join(" "));
      assert.equal(r.stderr.split("\n").filter(Boolean).length, 1);
    }
    sk(env, ["run", "-d", "--name", "hostnet", "--network", "host", "bb", "sleep", "60"]);
    assert.equal(sk(env, ["network", "connect", "back", "hostnet"]).code, 125);
    sk(env, ["rm", "-f", "hostnet"]);

    // the definition keeps the network: a restart comes back on both
    sk(env, ["restart", "-t", "1", "app"]);
    assert.match(sk(env, ["exec", "app", "ip", "-o", "-4", "addr"]).stdout, /eth0 +inet 10\.91\.201\.[\s\S]*eth1 +inet 10\.91\.202\./);

    assert.equal(sk(env, ["network", "disconnect", "back", "app"]).code, 0);
    assert.doesNotMatch(appHosts(), /\tdb[\t ]/, "db's name goes with the network");
    assert.doesNotMatch(sk(env, ["exec", "db", "cat", "/etc/hosts"]).stdout, /\tapp/);
    assert.doesNotMatch(sk(env, ["exec", "app", "ip", "-o", "link"]).stdout, /eth1/);
    assert.deepEqual(Object.keys(JSON.parse(sk(env, ["inspect", "--format", "{{json .NetworkSettings.Networks}}", "app"]).stdout)), ["front"]);

    // a stopped container is connected in its definition only; several --network at run
    sk(env, ["stop", "-t", "1", "app"]);
    assert.equal(sk(env, ["network", "connect", "back", "app"]).code, 0);
    sk(env, ["start", "app"]);
    assert.equal(fetchDb().code, 0);
    const both = sk(env, ["run", "--rm", "--network", "front", "--network", "back", "bb", "ip", "-o", "-4", "addr"]);
    assert.match(both.stdout, /eth0 +inet 10\.91\.201\.[\s\S]*eth1 +inet 10\.91\.202\./, both.stderr);
    assert.equal(sk(env, ["run", "--rm", "--network", "front", "--network", "host", "bb", "true"]).code, 125);

    sk(env, ["rm", "-f", "app", "db"]);
    await teardownsDone();
    for (const net of nets) assert.deepEqual(leftovers(net), { veths: [], rules: [], leases: [], netns: [] });
    assert.equal(sk(env, ["network", "rm", "front", "back"]).code, 0);
  });

  it("joins another container's network with --network container:NAME", async (t) => {
    if (!requiresRoot(t)) return;
    sk(env, ["run", "-d", "--name", "base", "bb", "sh", "-c", "mkdir /w; echo shared-ns > /w/i; httpd -f -p 8080 -h /w"]);
    const ip = sk(env, ["inspect", "--format", "{{.NetworkSettings.IPAddress}}", "base"]).stdout.trim();
    let r = { stdout: "", stderr: "", code: 0 };
    await until("the server in the shared namespace to answer", () => {
      r = sk(env, ["run", "--rm", "--network", "container:base", "bb", "sh", "-c", "wget -q -O - http://127.0.0.1:8080/i && ip -o -4 addr show eth0"]);
      return r.code === 0;
    });
    assert.match(r.stdout, new RegExp(`^shared-ns\\n.* ${ip.replaceAll(".", "\\.")}/`));
    assert.equal(sk(env, ["run", "--rm", "-p", "80", "--network", "container:base", "bb", "true"]).code, 125);
    sk(env, ["rm", "-f", "base"]);
    const gone = sk(env, ["run", "--rm", "--network", "container:base", "bb", "true"]);
    assert.equal(gone.code, 125);
    assert.match(gone.stderr, /no such container/);
  });

  it("without the CNI plugins, fails in one line naming the package; host and none still work", (t) => {
    if (!requiresRoot(t)) return;
    const bare = { ...env, CNI_PATH: join(env.SKIFF_ROOT!, "..", "no-plugins") };
    const r = skiff(["run", "--rm", "bb", "true"], { env: bare });
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^Error: bridge networking needs the CNI plugins \(apt-get install containernetworking-plugins/);
    assert.equal(r.stderr.split("\n").filter(Boolean).length, 1);
    assert.equal(skiff(["ps", "-a", "-q"], { env: bare }).stdout, "", "a --rm container that never ran is not kept");
    assert.equal(skiff(["run", "--rm", "--network", "none", "bb", "true"], { env: bare }).code, 0);
    assert.equal(skiff(["run", "--rm", "--network", "host", "bb", "true"], { env: bare }).code, 0);
    const store = createHash("sha256").update(env.SKIFF_RUNROOT!).digest("hex").slice(0, 6);
    assert.deepEqual(readdirSync("/run/netns").filter((n) => n.startsWith(`skiff-${store}-`)), []);
  });

  it("leaves nothing behind when the CLI is killed half way through setting the network up", async (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(sk(env, ["network", "create", "--subnet", "10.91.78.0/24", "crashnet"]).code, 0);
    const [info] = JSON.parse(sk(env, ["network", "inspect", "crashnet"]).stdout);
    const net = { bridge: info.network_interface, subnet: "10.91.78.0/24", cni: `skiff-${info.id.slice(0, 12)}` };
    const plugins = () => execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n").filter((l) => l.startsWith("/usr/lib/cni/"));
    // killed at several moments of the plugins' ADD (it takes ~100-300 ms here)
    for (const ms of [60, 120, 180, 240, 300, 400]) {
      const cli = spawn(BIN, ["run", "-d", "--name", `crash${ms}`, "--network", "crashnet", "bb", "sleep", "60"], { env, stdio: "ignore" });
      const exited = new Promise((r) => cli.once("exit", r));
      await new Promise((r) => setTimeout(r, ms));
      cli.kill("SIGKILL");
      await exited;
      // what the dead CLI started still finishes (a plugin is not killed with its parent)
      await until("the plugins the CLI started to finish", () => plugins().length === 0, 30000);
    }
    assert.equal(sk(env, ["rm", "-a", "-f", "-t", "0"]).code, 0);
    await teardownsDone();
    assert.deepEqual(leftovers(net), { veths: [], rules: [], leases: [], netns: [] });
    assert.equal(sk(env, ["network", "rm", "crashnet"]).code, 0);
  });

  it("leaves no interface, rule, lease or namespace behind after 50 runs and a killed shim", async (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(sk(env, ["network", "create", "--subnet", "10.91.77.0/24", "leaknet"]).code, 0);
    const [info] = JSON.parse(sk(env, ["network", "inspect", "leaknet"]).stdout);
    const net = { bridge: info.network_interface, subnet: "10.91.77.0/24", cni: `skiff-${info.id.slice(0, 12)}` };
    for (let i = 0; i < 50; i++) {
      const r = await skiffAsync(["run", "--rm", "--network", "leaknet", "-p", "8080", "bb", "true"], { env, timeoutMs: 60000 });
      assert.equal(r.code, 0, r.stderr);
    }
    const id = sk(env, ["run", "-d", "--name", "victim", "--network", "leaknet", "-p", "18282:80", "bb", "sleep", "60"]).stdout.trim();
    assert.notDeepEqual(leftovers(net), { veths: [], rules: [], leases: [], netns: [] }, "the check sees a running container");
    const { shimPid } = stateOf(env, id);
    process.kill(shimPid!, "SIGKILL");
    await until("the shim to die", () => !processAlive(shimPid!));
    assert.equal(sk(env, ["rm", "-f", "victim"]).code, 0);
    await teardownsDone();
    assert.deepEqual(leftovers(net), { veths: [], rules: [], leases: [], netns: [] });
    assert.equal(sk(env, ["network", "rm", "leaknet"]).code, 0);
    assert.equal(existsSync(`/sys/class/net/${net.bridge}`), false, "the bridge goes with the network");
  });
});
