import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../src/cli/main.js";
import { COMMANDS } from "../../src/cli/table/index.js";
import { VERSION } from "../../src/version.js";

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "", stderr = "";
  const dir = mkdtempSync(join(tmpdir(), "skiff-main-"));
  writeFileSync(join(dir, "c.toml"), "");
  const code = await main(argv, {
    env: { SKIFF_CONFIG: join(dir, "c.toml"), SKIFF_ROOT: join(dir, "r"), SKIFF_RUNROOT: join(dir, "rr"), PATH: process.env.PATH, ...env },
    stdout: { write: (s: string) => { stdout += s; } },
    stderr: { write: (s: string) => { stderr += s; } },
    uid: 0,
  });
  return { code, stdout, stderr };
}

describe("CLI entry", () => {
  it("keeps VERSION equal to package.json", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    assert.equal(VERSION, pkg.version);
  });

  it("maps user errors to one line on stderr and exit 125", async () => {
    for (const argv of [["nope"], ["pull"], ["ps", "--frob"], ["images", "-q"], ["--log-level", "loud", "version"], ["completion", "tcsh"]]) {
      const r = await run(argv);
      assert.equal(r.code, 125, argv.join(" "));
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /^Error: [^\n]+\n$/, argv.join(" "));
    }
  });

  it("says 'not implemented yet' for every command not built, and nothing pretends to work", async () => {
    for (const c of COMMANDS.filter((x) => !x.load)) {
      const args = (c.args ?? "").match(/<[^>]+>/g)?.map(() => "x") ?? [];
      const r = await run([...c.name.split(" "), ...args]);
      assert.equal(r.code, 125, c.name);
      assert.equal(r.stderr, `Error: skiff ${c.name}: not implemented yet\n`);
    }
  });

  it("reports a bad config file as one line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-main-"));
    writeFileSync(join(dir, "bad.toml"), "[storage]\ndriver = 7\n");
    const r = await run(["info"], { SKIFF_CONFIG: join(dir, "bad.toml") });
    assert.equal(r.code, 125);
    assert.equal(r.stderr, `Error: read config ${join(dir, "bad.toml")}: storage.driver must be a string\n`);
  });

  it("prints the version and help on stdout with exit 0", async () => {
    assert.deepEqual(await run(["--version"]), { code: 0, stdout: `skiff version ${VERSION}\n`, stderr: "" });
    const h = await run(["run", "--help"]);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Usage:\n {2}skiff run \[options\] IMAGE \[COMMAND\.\.\.\]/);
    assert.match(h.stdout, /-e, --env VAR=value/);
    const g = await run(["volume", "--help"]);
    assert.match(g.stdout, /create +Create a named volume/);
  });

  it("shows the cause only at debug level, and never a stack for user errors", async () => {
    const quiet = await run(["--log-level", "debug", "pull"]);
    assert.doesNotMatch(quiet.stderr, /at .*\.ts:\d+/);
  });
});
