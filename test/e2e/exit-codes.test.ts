/**
 * What scripts check after a command: its exit code, stdout, and the error text they grep. The same
 * command lines against the same containers, through podman 4.3 and through skiff.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sk } from "../helpers/containers.js";
import { sideBySide, type Podman, type SideBySide } from "../helpers/podman.js";
import { REPO, requiresRoot, type Result } from "../helpers/skiff.js";
import { readFileSync } from "node:fs";
import { COMMANDS } from "../../src/cli/table/compiled.js";

const isRoot = process.getuid?.() === 0;
let env: NodeJS.ProcessEnv;
let podman: Podman;
let tools: SideBySide["tools"];

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
  ["attach nosuch", true], ["rename nosuch x", true], ["export nosuch", true], ["diff nosuch", false], ["mount nosuch", true], ["umount nosuch", true],
  ["image mount nosuch", true], ["image unmount nosuch", true], ["import /nonexistent x", false], ["network connect nosuch up", true], ["network disconnect nosuch up", true],
  ["logout nosuch.example", true], ["login --get-login nosuch.example", true], ["generate systemd nosuch", false], ["history nosuch", true], ["save -o /dev/null nosuch", true],
  ["load -i /nonexistent", false], ["top nosuch", false], ["stats --no-stream nosuch", false], ["cp nosuch:/a /tmp/x", false], ["volume export nosuch", false],
  ["untag nosuch", true], ["network create bad/name", false], ["volume create bad/name", false], ["pull --tls-verify=false 127.0.0.1:1/nope", false],
  ["system df --format {{.Type}}", true], ["image prune -f --filter label=nosuch", true], ["container prune -f --filter label=nosuch", true],
  ["volume prune -f --filter label=nosuch", true], ["network prune -f", false], ["image exists bb", true], ["ps -a --filter name=nosuch", true],
  ["images --filter reference=nosuch", true], ["volume ls --filter name=nosuch", true], ["network ls --filter name=nosuch -q", true],
  ["create --name dup bb true", true], ["create --name dup bb true", false], ["rm dup", false], ["restart nosuch", true],
  ["version --format {{.Client.OsArch}}", true], ["info --format {{.Host.Arch}}", true],
  ["tag bb x-y", true], ["rmi x-y", false], ["pause nosuch", true], ["unpause nosuch", true],
  ["commit nosuch", true], ["build /nonexistent", true], ["push nosuch 127.0.0.1:1/x", true], ["manifest exists nosuch", true], ["manifest rm nosuch", true],
  ["manifest inspect nosuch", false], ["manifest add nosuch bb", true], ["manifest annotate nosuch sha256:abc", false], ["manifest push nosuch 127.0.0.1:1/x", false],
  ["manifest remove nosuch sha256:abc", false], ["manifest create bb", false], ["auto-update --dry-run", true], ["events --stream=false --filter bogus=1", true],
];

/**
 * Commands whose differential tests live elsewhere (the file must run podman); every other command
 * of the table must be in LINES above.
 */
const ELSEWHERE: Record<string, string> = {
  run: "real-images.test.ts", exec: "real-images.test.ts", ps: "json-shapes.test.ts", logs: "commands.test.ts", inspect: "json-shapes.test.ts",
  "container exists": "exit-codes.test.ts", images: "json-shapes.test.ts", "image inspect": "json-shapes.test.ts", save: "save-load.test.ts", load: "save-load.test.ts",
  "volume create": "commands.test.ts", "volume import": "commands.test.ts", "system reset": "prune.test.ts", unshare: "rootless.test.ts", "system migrate": "rootless.test.ts", "system prune": "prune.test.ts",
  "volume rm": "exit-codes.test.ts", "network rm": "exit-codes.test.ts",
  build: "build.test.ts", commit: "build.test.ts", "healthcheck run": "health.test.ts", events: "events.test.ts",
};

/** skiff's own documentation commands: their text is skiff's, there is nothing to compare. */
const OWN = new Set(["help", "completion"]);

const firstError = (r: Result) => (r.stderr.split("\n").find((l) => l.startsWith("Error: ")) ?? "").replace(/\b[0-9a-f]{12,64}\b/g, "ID");

describe("exit codes and error lines, as podman's", () => {
  before(() => {
    if (!isRoot) return;
    ({ env, podman, tools } = sideBySide());
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
      const ids = (x: string) => x.replace(/\b[0-9a-f]{64}\b/g, "ID");
      assert.equal(ids(s.stdout), ids(p.stdout), `stdout of "${line}"`);
      if (sameText) assert.equal(firstError(s), firstError(p), `error line of "${line}"`);
      else assert.equal(Boolean(firstError(s) || s.stderr), Boolean(firstError(p) || p.stderr), `whether "${line}" says something on stderr`);
    });
  }

  it("covers every command of the table, here or in a named differential test", () => {
    const heads = LINES.map(([line]) => line.split(" ").filter((w) => !w.startsWith("-")).join(" "));
    const missing = COMMANDS.filter((c) => c.handler && !OWN.has(c.name)).map((c) => c.name).filter((name) => {
      if (heads.some((h) => h === name || h.startsWith(`${name} `))) return false;
      const file = ELSEWHERE[name];
      return !file || !readFileSync(join(REPO, "test", "e2e", file), "utf8").includes("podman");
    });
    assert.deepEqual(missing, [], "commands with no differential test");
  });
});
