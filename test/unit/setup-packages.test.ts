/**
 * Every program a test or benchmark runs comes from a package that a new machine has
 * (test/fixtures/new-machine-packages.txt) or that setup.sh installs (scripts/packages.txt).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, realpathSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { REPO } from "../helpers/skiff.js";
import { commandsInShell, packageList, programsInBenchScript, programsInTypeScript, unprovided, type ProgramUse } from "../helpers/programs.js";

/** Programs of the machine's own toolchain (the kind `node`), not installed from Debian packages. */
const TOOLCHAIN = new Set(["node", "npm", "npx"]);

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), suffix) : e.name.endsWith(suffix) ? [join(dir, e.name)] : []);
}

/** Shell functions the repository's scripts define (a test may source them): not programs. */
function shellFunctions(): Set<string> {
  const files = [...filesUnder(join(REPO, "scripts"), ".sh"), ...filesUnder(join(REPO, "bench"), ".sh")];
  return new Set(files.flatMap((f) => [...readFileSync(f, "utf8").matchAll(/^([A-Za-z_][A-Za-z0-9_]*)\(\)\s*\{/gm)].map((m) => m[1])));
}

function uses(): ProgramUse[] {
  const functions = shellFunctions();
  const out: ProgramUse[] = [];
  const scanner = ["test/helpers/programs.ts", "test/unit/setup-packages.test.ts"];
  for (const f of filesUnder(join(REPO, "test"), ".ts").filter((f) => !scanner.includes(relative(REPO, f)))) {
    for (const program of programsInTypeScript(readFileSync(f, "utf8"))) out.push({ program, where: relative(REPO, f), bench: false });
  }
  for (const f of filesUnder(join(REPO, "bench"), ".sh")) {
    for (const program of programsInBenchScript(readFileSync(f, "utf8"))) out.push({ program, where: relative(REPO, f), bench: true });
  }
  return out.filter((u) => !functions.has(u.program));
}

/** PATH lookup, then dpkg -S on the real file (merged /usr: dpkg may know it as /bin/x). */
function packagesOf(programs: string[]): Map<string, string | undefined> {
  const result = new Map<string, string | undefined>();
  const candidates = new Map<string, string[]>();
  for (const p of programs) {
    if (TOOLCHAIN.has(p)) { result.set(p, ""); continue; }
    const found = spawnSync("bash", ["-c", 'command -v -- "$1"', "_", p], { encoding: "utf8" }).stdout.trim();
    if (!found.startsWith("/")) { result.set(p, undefined); continue; }
    const real = realpathSync(found);
    for (const path of new Set([found, real, ...[found, real].map((x) => x.replace(/^\/usr\//, "/"))])) {
      candidates.set(path, [...(candidates.get(path) ?? []), p]);
    }
  }
  const r = spawnSync("dpkg", ["-S", ...candidates.keys()], { encoding: "utf8" });
  for (const line of r.stdout.split("\n")) {
    const m = /^([^:,\s]+)(?::[a-z0-9]+)?(?:, [^:]+)*: (\/.*)$/.exec(line);
    for (const program of (m && candidates.get(m[2])) || []) if (!result.get(program)) result.set(program, m![1]);
  }
  for (const program of [...candidates.values()].flat()) if (!result.has(program)) result.set(program, undefined);
  return result;
}

function lists(setupText = readFileSync(join(REPO, "scripts", "packages.txt"), "utf8")) {
  return {
    newMachine: packageList(readFileSync(join(REPO, "test", "fixtures", "new-machine-packages.txt"), "utf8")),
    setup: packageList(setupText),
    setupBench: packageList(setupText, { bench: true }),
  };
}

describe("the packages setup.sh installs", () => {
  it("finds programs in spawn calls, shell scripts and bench scripts", () => {
    assert.deepEqual(programsInTypeScript(`execFileSync("htpasswd", ["-Bbn"]); spawnSync("bash", ["-c", \`gzip -c '\${f}' | "$SKIFF" load && X=1 curl -s\`])`),
      ["htpasswd", "bash", "gzip", "curl"]);
    assert.deepEqual(commandsInShell(`(sleep 1; printf "$INPUT") | script -qec "stty $SIZE" /dev/null`), ["sleep", "script"]);
    assert.deepEqual(programsInBenchScript(`need hyperfine podman /usr/bin/time\nhyperfine -N \\\n  "podman run --rm x true" \\\n  "dist/skiff run x"`),
      ["hyperfine", "podman", "/usr/bin/time"]);
  });

  it("reports a program whose package neither list has, and one not installed at all", () => {
    const use = (program: string, bench = false) => ({ program, where: "t.ts", bench });
    const l = { newMachine: new Set(["coreutils"]), setup: new Set(["runc"]), setupBench: new Set(["runc", "hyperfine"]) };
    const pkgs = new Map<string, string | undefined>([["cat", "coreutils"], ["runc", "runc"], ["htpasswd", "apache2-utils"], ["hyperfine", "hyperfine"], ["gone", undefined]]);
    assert.deepEqual(unprovided([use("cat"), use("runc"), use("hyperfine", true)], pkgs, l), []);
    assert.equal(unprovided([use("htpasswd")], pkgs, l).length, 1);
    assert.match(unprovided([use("hyperfine")], pkgs, l)[0], /hyperfine from package hyperfine/);
    assert.match(unprovided([use("gone")], pkgs, l)[0], /not installed here/);
  });

  const all = uses();
  const pkgs = packagesOf([...new Set(all.map((u) => u.program))]);

  it("provides every program the tests and benchmarks run", () => {
    assert.ok(all.some((u) => u.program === "htpasswd"), "the scan finds htpasswd in auth.test.ts");
    assert.deepEqual(unprovided(all, pkgs, lists()), []);
  });

  it("would fail if scripts/packages.txt lost a package a test needs", () => {
    const text = readFileSync(join(REPO, "scripts", "packages.txt"), "utf8");
    for (const needed of ["apache2-utils", "runc", "skopeo"]) {
      const without = text.split("\n").filter((l) => l.split(/\s+/)[0] !== needed).join("\n");
      assert.notDeepEqual(unprovided(all, pkgs, lists(without)), [], `without ${needed}`);
    }
  });
});
