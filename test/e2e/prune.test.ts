/**
 * The prune commands ask as podman's do: the same question on stdout, "y" goes on, anything else
 * keeps everything, and a stdin at its end (a script) fails without removing anything. Run
 * side by side with podman 4.3 on the same store contents.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { containerEnv, sk } from "../helpers/containers.js";
import { sideBySide, type Podman, type SideBySide, type Tool } from "../helpers/podman.js";
import { requiresRoot, type Result } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
let podman: Podman;
let tools: SideBySide["tools"];

/** What a script sees: the exit code, the prompt (up to and with "[y/N] "), whether an error line came. */
function shape(r: Result) {
  const cut = r.stdout.indexOf("[y/N] ");
  return { code: r.code, prompt: cut === -1 ? "" : r.stdout.slice(0, cut + 6), after: cut === -1 ? r.stdout : r.stdout.slice(cut + 6), failed: r.stderr.startsWith("Error: ") };
}

describe("prune prompts", () => {
  before(() => {
    if (!isRoot) return;
    ({ podman, tools } = sideBySide());
  });
  after(() => {
    if (!isRoot) return;
    podman.dispose();
  });

  const kinds: [string, (run: Tool) => void, (run: Tool) => string][] = [
    ["volume", (run) => void run(["volume", "create", "spare"]), (run) => run(["volume", "ls", "-q"]).stdout],
    ["container", (run) => void run(["create", "--name", "stopped", "bb", "true"]), (run) => run(["ps", "-a", "--format", "{{.Names}}"]).stdout],
    ["network", (run) => void run(["network", "create", "spare-net"]), (run) => run(["network", "ls", "--format", "{{.Name}}"]).stdout],
  ];
  for (const [kind, make, list] of kinds) {
    it(`${kind} prune: no keeps, EOF fails and keeps, y removes`, (t) => {
      if (!requiresRoot(t)) return;
      const seen = Object.fromEntries(Object.entries(tools).map(([name, run]) => {
        make(run);
        const before = list(run);
        const no = shape(run([kind, "prune"], "N\n"));
        const afterNo = list(run);
        const eof = shape(run([kind, "prune"], ""));
        const afterEof = list(run);
        const yes = shape(run([kind, "prune"], "y\n"));
        const afterYes = list(run);
        return [name, { no, eof: { ...eof, after: "" }, yes: yes.code, removed: yes.after.trim().split("\n").filter(Boolean).length, keptByNo: afterNo === before, keptByEof: afterEof === before, gone: afterYes !== before }];
      }));
      // podman names containers by ID in its output and ours alike; only the count is compared
      assert.deepEqual(seen.skiff, seen.podman);
      assert.equal(seen.skiff.keptByNo && seen.skiff.keptByEof && seen.skiff.gone, true);
    });
  }

  it("image prune and system prune ask podman's questions; -f does not ask", (t) => {
    if (!requiresRoot(t)) return;
    const seen = Object.fromEntries(Object.entries(tools).map(([name, run]) => [name, {
      image: shape(run(["image", "prune"], "n\n")),
      imageAll: shape(run(["image", "prune", "-a"], "n\n")),
      system: shape(run(["system", "prune"], "n\n")),
      systemAll: shape(run(["system", "prune", "-a", "--volumes"], "n\n")),
      forced: run(["system", "prune", "-f"]).stdout.replace(/[\d.]+[kMG]?B\n$/, "N\n"),
    }]));
    assert.deepEqual(seen.skiff, seen.podman);
  });

  it("system reset asks, then removes every container, image, volume and network and the storage, leaving no mount", (t) => {
    if (!requiresRoot(t)) return;
    const own = containerEnv();
    assert.equal(sk(own, ["run", "-d", "--name", "busy", "-v", "data:/data", "bb", "sleep", "300"]).code, 0);
    assert.equal(sk(own, ["network", "create", "resetnet"]).code, 0);
    const no = sk(own, ["system", "reset"], { input: "n\n" });
    assert.equal(no.code, 0);
    assert.match(no.stdout, /WARNING! This will remove:\n[\s\S]*- all volumes\n[\s\S]*Are you sure you want to continue\? \[y\/N\] $/);
    assert.equal(sk(own, ["ps", "-q"]).stdout.trim().length, 12, "still running after no");
    const yes = sk(own, ["system", "reset", "-f"]);
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(existsSync(own.SKIFF_ROOT!), false);
    const mounts = readFileSync("/proc/self/mountinfo", "utf8");
    assert.ok(!mounts.includes(own.SKIFF_ROOT!) && !mounts.includes(own.SKIFF_RUNROOT!), "nothing stays mounted");
    assert.equal(sk(own, ["images", "-q"]).stdout, "");
  });
});
