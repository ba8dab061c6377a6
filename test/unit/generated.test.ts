import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { generatedFiles } from "../../build.js";
import { COMMANDS } from "../../src/cli/table/index.js";
import { COMMAND_MODULES } from "../../src/cli/table/handlers.js";
import { SOURCE_COMMANDS, compiledTable } from "../../src/cli/table/source.js";
import { REPO } from "../helpers/skiff.js";

/** Completes `words` (the last one being typed) with the generated bash script. */
function bashComplete(words: string[]): string[] {
  const script = join(REPO, "completions", "skiff.bash");
  const arr = words.map((w) => `'${w}'`).join(" ");
  const r = spawnSync("bash", ["-c", `source '${script}'; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _skiff; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter(Boolean);
}

describe("generated completions and man pages", () => {
  it("are committed exactly as the command table generates them", async () => {
    assert.equal(readFileSync(join(REPO, "src", "cli", "table", "compiled.ts"), "utf8"), compiledTable(), "src/cli/table/compiled.ts is stale: run npm run build");
    assert.deepEqual(COMMANDS, JSON.parse(JSON.stringify(SOURCE_COMMANDS)));
    const { completions, man } = await generatedFiles();
    for (const [dir, files] of [["completions", completions], ["man", man]] as const) {
      assert.deepEqual(readdirSync(join(REPO, dir)).sort(), [...files.keys()].sort(), `${dir}/ holds exactly the generated files`);
      for (const [name, text] of files) assert.equal(readFileSync(join(REPO, dir, name), "utf8"), text, `${dir}/${name} is stale: run npm run build`);
    }
  });

  it("names, for every built command, a module and an exported function that exist", async () => {
    for (const c of COMMANDS.filter((x) => x.handler)) {
      const [module, name] = c.handler!;
      assert.ok(COMMAND_MODULES[module], `${c.name}: no module ${module}`);
      assert.equal(typeof (await COMMAND_MODULES[module]())[name], "function", `${c.name}: ${module} exports no ${name}`);
    }
  });

  it("has a man page for every visible command", async () => {
    const { man } = await generatedFiles();
    for (const c of COMMANDS.filter((x) => !x.hidden)) assert.ok(man.has(`skiff-${c.name.replace(/ /g, "-")}.1`), c.name);
  });

  it("bash completes commands, subcommands, flags and flag values", () => {
    assert.deepEqual(bashComplete(["skiff", "ru"]), ["run"]);
    assert.deepEqual(bashComplete(["skiff", "--root", "/tmp", "pu"]), ["pull", "push"]);
    assert.ok(bashComplete(["skiff", "image", ""]).includes("inspect"));
    assert.deepEqual(bashComplete(["skiff", "image", "ex"]), ["exists"]);
    assert.ok(bashComplete(["skiff", "run", "--rest"]).includes("--restart"));
    assert.deepEqual(bashComplete(["skiff", "run", "--pull", "ne"]).sort(), ["never", "newer"]);
    assert.deepEqual(bashComplete(["skiff", "--log-level", "de"]), ["debug"]);
    assert.ok(bashComplete(["skiff", "container", "ls", "--"]).includes("--all"));
  });

  // programs: zsh fish
  for (const [shell, args, file] of [["zsh", ["-n"], "_skiff"], ["fish", ["--no-execute"], "skiff.fish"]] as const) {
    it(`${shell} accepts its script`, (t) => {
      const r = spawnSync(shell, [...args, join(REPO, "completions", file)], { encoding: "utf8" });
      if (r.error) return t.skip(`${shell} is not installed (.ci/run installs it)`);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, "");
    });
  }

  it("zsh completes commands with the generated function", (t) => {
    const script = join(REPO, "completions", "_skiff");
    // Stub the completion builtins to print what they would offer.
    const probe = `compadd() { print -l -- "\${@[-1]}"; }; _describe() { local -a arr; arr=("\${(@P)2}"); print -l -- "\${arr[@]%%:*}"; }; _files() {}; compdef() {}; source '${script}'; words=(skiff ru); CURRENT=2; _skiff`;
    const r = spawnSync("zsh", ["-f", "-c", probe], { encoding: "utf8" });
    if (r.error) return t.skip("zsh is not installed (.ci/run installs it)");
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.split("\n").includes("run"), r.stdout);
  });

  it("man renders skiff(1) and a command page", () => {
    for (const [page, want] of [["skiff.1", /COMMANDS[\s\S]*run[\s\S]*GLOBAL OPTIONS/], ["skiff-run.1", /SYNOPSIS\s+skiff run \[options\] IMAGE \[COMMAND\.\.\.\][\s\S]*--env VAR=value/]] as const) {
      const r = spawnSync("man", ["-l", join(REPO, "man", page)], { encoding: "utf8", env: { ...process.env, MANPAGER: "cat", PAGER: "cat", MANWIDTH: "100" } });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout.replace(/.\x08/g, ""), want);
      assert.doesNotMatch(r.stderr, /warning/i);
    }
  });
});
