/**
 * Commands racing each other, in bounded rounds, with a leak check after each: nothing of any
 * container used stays in /proc/mounts, `ip netns`, the nat table, the address leases, the runtime's
 * state, the process table or the store.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { containerEnv, mountsUnder, runtimeContainers, sk, until } from "../helpers/containers.js";
import { requiresRoot, skiffAsync } from "../helpers/skiff.js";

const LEASES = "/run/skiff-ipam";

/** What is left of the containers `ids` anywhere on the host (empty when nothing). */
function leftovers(env: NodeJS.ProcessEnv, ids: string[]): string[] {
  const short = ids.map((id) => id.slice(0, 12));
  const netns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  const nat = execFileSync("iptables-save", ["-t", "nat"], { encoding: "utf8" });
  const leases = readdirSync(LEASES, { withFileTypes: true }).filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(LEASES, d.name)).map((f) => { try { return readFileSync(join(LEASES, d.name, f), "utf8"); } catch { return ""; } }));
  const shims = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n").filter((l) => l.includes("__shim") && l.includes(env.SKIFF_RUNROOT!));
  const out: string[] = [];
  for (const [i, id] of ids.entries()) {
    if (netns.includes(short[i])) out.push(`netns of ${short[i]}`);
    if (nat.includes(id)) out.push(`nat rules of ${short[i]}`);
    if (leases.some((l) => l.includes(id))) out.push(`address lease of ${short[i]}`);
  }
  out.push(...mountsUnder(env).map((m) => `mount ${m}`), ...runtimeContainers(env).map((c) => `runtime state ${c}`), ...shims.map((s) => `shim ${s}`));
  out.push(...readdirSync(join(env.SKIFF_ROOT!, "containers")).map((d) => `container dir ${d}`));
  return out;
}

describe("races", () => {
  it("20 concurrent run --rm: every one reports its exit code, and nothing is left", async (t) => {
    if (!requiresRoot(t)) return;
    const env = containerEnv();
    for (let round = 0; round < 2; round++) {
      const runs = await Promise.all(Array.from({ length: 20 }, () => skiffAsync(["run", "--rm", "bb", "sh", "-c", "exit 3"], { env, timeoutMs: 120000 })));
      for (const r of runs) assert.equal(r.code, 3, r.stderr);
      await until("the shims to finish", () => leftovers(env, []).length === 0, 20000).catch(() => undefined);
      assert.deepEqual(leftovers(env, []), [], `round ${round}`);
    }
  });

  it("rm -f racing start: the container goes, with everything it had", async (t) => {
    if (!requiresRoot(t)) return;
    const env = containerEnv();
    const ids: string[] = [];
    for (let round = 0; round < 2; round++) {
      const made = Array.from({ length: 10 }, (_, i) => sk(env, ["create", "--name", `r${round}-${i}`, "bb", "sleep", "100"]).stdout.trim());
      ids.push(...made);
      const results = await Promise.all(made.map(async (id, i) => {
        const start = skiffAsync(["start", id], { env });
        await new Promise((r) => setTimeout(r, (i % 5) * 10));
        const rm = await skiffAsync(["rm", "-f", "-t", "0", id], { env, timeoutMs: 120000 });
        await start;
        return rm;
      }));
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      assert.equal(sk(env, ["ps", "-aq"]).stdout, "", `round ${round}: every container is gone`);
      await until("the shims to finish", () => leftovers(env, ids).length === 0, 20000).catch(() => undefined);
      assert.deepEqual(leftovers(env, ids), [], `round ${round}`);
    }
  });

  it("concurrent network creates: one name is given once, and no two networks share a subnet", async (t) => {
    if (!requiresRoot(t)) return;
    const env = containerEnv();
    const distinct = await Promise.all(Array.from({ length: 6 }, (_, i) => skiffAsync(["network", "create", `race${i}`], { env })));
    for (const r of distinct) assert.equal(r.code, 0, r.stderr);
    const same = await Promise.all(Array.from({ length: 10 }, () => skiffAsync(["network", "create", "samename"], { env })));
    assert.equal(same.filter((r) => r.code === 0).length, 1, "exactly one create of one name succeeds");
    const subnets = JSON.parse(sk(env, ["network", "inspect", ...Array.from({ length: 6 }, (_, i) => `race${i}`), "samename"]).stdout).map((n: { subnets: { subnet: string }[] }) => n.subnets[0].subnet);
    assert.equal(new Set(subnets).size, 7, `subnets ${subnets.join(" ")}`);
    sk(env, ["network", "prune", "-f"]);
  });

  it("rmi -f racing run -d: no container is left on an image that is gone", async (t) => {
    if (!requiresRoot(t)) return;
    const env = containerEnv();
    const tar = join(env.SKIFF_ROOT!, "..", "bb.tar");
    for (let round = 0; round < 4; round++) {
      if (round > 0) assert.equal(sk(env, ["import", tar, "bb"]).code, 0);
      const runs = Array.from({ length: 6 }, () => skiffAsync(["run", "-d", "bb", "sleep", "100"], { env }));
      await new Promise((r) => setTimeout(r, round * 15));
      const rmi = await skiffAsync(["rmi", "-f", "bb"], { env });
      await Promise.all(runs);
      assert.equal(rmi.code, 0, rmi.stderr);
      for (const id of sk(env, ["ps", "-aq", "--no-trunc"]).stdout.split("\n").filter(Boolean)) {
        const image = sk(env, ["inspect", "--format", "{{.Image}}", id]).stdout.trim();
        assert.equal(sk(env, ["image", "exists", image]).code, 0, `container ${id.slice(0, 12)} runs on image ${image.slice(0, 12)}, which is gone`);
      }
      sk(env, ["rm", "-af", "-t", "0"]);
    }
  });

  it("export of a running container whose files change under it: every export ends cleanly, with nothing of the host", async (t) => {
    if (!requiresRoot(t)) return;
    const env = containerEnv();
    const churn = "while :; do mkdir -p /tmp/a/b; echo x > /tmp/a/b/f; rm -rf /tmp/a; ln -s / /tmp/a; rm /tmp/a; done";
    assert.equal(sk(env, ["run", "-d", "--name", "churn", "bb", "sh", "-c", churn]).code, 0);
    for (let i = 0; i < 30; i++) {
      const r = await skiffAsync(["export", "-o", join(env.SKIFF_ROOT!, "..", "out.tar"), "churn"], { env });
      assert.equal(r.code, 0, `round ${i}: ${r.stderr}`);
      const names = execFileSync("tar", ["-tf", join(env.SKIFF_ROOT!, "..", "out.tar")], { encoding: "utf8" });
      assert.doesNotMatch(names, /^tmp\/a\/(proc|root|home|work)\//m, `round ${i}: host files in the export`);
    }
    sk(env, ["rm", "-f", "-t", "0", "churn"]);
  });
});
