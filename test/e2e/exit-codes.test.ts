/**
 * What scripts check after a command: its exit code, stdout, and the error text they grep. The same
 * command lines against the same containers, through podman 4.3 and through skiff.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { containerEnv, sk } from "../helpers/containers.js";
import { isolatedPodman, type Podman } from "../helpers/podman.js";
import { requiresRoot, type Result } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
let env: NodeJS.ProcessEnv;
let podman: Podman;
let tools: Record<"podman" | "skiff", (args: string[]) => Result>;

/** Command lines, and whether the first stderr line must be podman's too (IDs aside). */
const LINES: [string, boolean][] = [
  ["rm -f nosuch", true],
  ["rm nosuch", true],
  ["rm up", false],
  ["volume rm usedvol", true],
  ["volume rm nosuch", true],
  ["volume rm -f nosuch", true],
  ["stop nosuch", true],
  ["kill nosuch", true],
  ["wait nosuch", true],
  ["start nosuch", true],
  ["restart nosuch", true],
  ["logs nosuch", true],
  ["exec dead true", true],
  ["port up 80", true],
  ["rmi nosuch", true],
  ["rmi -f nosuch", true],
  ["network rm nosuch", true],
  ["network rm -f nosuch", true],
  ["--log-level bogus ps", false],
  ["start --all stray", true],
  ["stop --all stray", true],
  ["kill --all stray", true],
  ["inspect nosuch", true],
  ["image inspect nosuch", true],
  ["volume inspect nosuch", true],
  ["network inspect nosuch", true],
  ["tag nosuch x", true],
  ["container exists nosuch", true],
  ["image exists nosuch", true],
  ["volume exists nosuch", true],
  ["network exists nosuch", true],
  ["kill dead", false],
  ["stop dead", true],
  ["exec up nosuchcmd", false],
  ["run --rm bb nosuchcmd", false],
  ["run --rm bb /etc", false],
];

const firstError = (r: Result) => (r.stderr.split("\n").find((l) => l.startsWith("Error: ")) ?? "").replace(/\b[0-9a-f]{12,64}\b/g, "ID");

describe("exit codes and error lines, as podman's", () => {
  before(() => {
    if (!isRoot) return;
    env = containerEnv();
    podman = isolatedPodman();
    assert.equal(podman.run(["import", join(env.SKIFF_ROOT!, "..", "bb.tar"), "bb"]).code, 0);
    tools = { podman: (args) => podman.run(args), skiff: (args) => sk(env, args) };
    for (const run of Object.values(tools)) {
      assert.equal(run(["run", "-d", "--name", "up", "-v", "usedvol:/d", "bb", "sleep", "300"]).code, 0);
      assert.equal(run(["create", "--name", "dead", "bb", "true"]).code, 0);
    }
  });
  after(() => {
    if (!isRoot) return;
    podman.dispose();
    sk(env, ["rm", "-af", "-t", "0"]);
  });

  for (const [line, sameText] of LINES) {
    it(line, (t) => {
      if (!requiresRoot(t)) return;
      const args = line.split(" ");
      const p = tools.podman(args), s = tools.skiff(args);
      assert.equal(s.code, p.code, `exit code of "${line}" (podman: ${p.stderr.trim()}, skiff: ${s.stderr.trim()})`);
      assert.equal(s.stdout, p.stdout, `stdout of "${line}"`);
      if (sameText) assert.equal(firstError(s), firstError(p), `error line of "${line}"`);
      else assert.equal(Boolean(firstError(s) || s.stderr), Boolean(firstError(p) || p.stderr), `whether "${line}" says something on stderr`);
    });
  }
});
