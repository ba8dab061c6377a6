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
    for (const argv of [["nope"], ["pull"], ["ps", "--frob"], ["images", "--filter", "bogus=1"], ["completion", "tcsh"]]) {
      const r = await run(argv);
      assert.equal(r.code, 125, argv.join(" "));
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /^Error: [^\n]+\n$/, argv.join(" "));
    }
    // podman's status and words for a log level it does not know
    const level = await run(["--log-level", "loud", "ps"]);
    assert.deepEqual([level.code, level.stderr], [1, 'Error: Log Level "loud" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic\n']);
  });

  it("says 'not implemented yet' for every command not built, and nothing pretends to work", async () => {
    for (const c of COMMANDS.filter((x) => !x.handler)) {
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

  it("shows the cause only at --log-level debug", async () => {
    const missing = join(tmpdir(), `skiff-absent-${process.pid}.toml`);
    const plain = await run(["info"], { SKIFF_CONFIG: missing });
    assert.equal(plain.stderr, `Error: read config ${missing}: ENOENT\n`);
    const debug = await run(["--log-level", "debug", "info"], { SKIFF_CONFIG: missing });
    assert.equal(debug.code, 125);
    assert.match(debug.stderr, /^Error: read config .*: ENOENT\n {2}cause: Error: ENOENT: no such file or directory/);
  });

  it("maps a bug to 125 and asks for a report, without a stack unless debugging", async () => {
    const { COMMAND_MODULES } = await import("../../src/cli/table/handlers.js");
    const saved = COMMAND_MODULES.version;
    COMMAND_MODULES.version = async () => ({ version: async () => { throw new TypeError("boom"); } });
    try {
      const r = await run(["version"]);
      assert.equal(r.code, 125);
      assert.equal(r.stderr, "Error: internal error: boom (please report this with the output of --log-level debug)\n");
      const d = await run(["version", "--log-level", "debug"]);
      assert.match(d.stderr, /TypeError: boom\n\s+at /);
    } finally {
      COMMAND_MODULES.version = saved;
    }
  });

  it("answers skiff help like --help", async () => {
    assert.equal((await run(["help", "image", "ls"])).stdout, (await run(["image", "ls", "--help"])).stdout);
    assert.equal((await run(["help"])).stdout, (await run(["--help"])).stdout);
    assert.match((await run(["help", "network"])).stdout, /^Usage:\n {2}skiff network COMMAND/);
    const bad = await run(["help", "frob"]);
    assert.deepEqual([bad.code, bad.stderr], [125, `Error: unknown command "frob" for "skiff help" (run 'skiff --help' to list the commands)\n`]);
  });
});
