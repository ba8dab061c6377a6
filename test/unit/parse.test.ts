import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseArgv, type Parsed } from "../../src/cli/parse.js";
import { SkiffError } from "../../src/errors.js";

function cmd(argv: string): Parsed {
  const r = parseArgv(argv.split(" ").filter(Boolean));
  assert.equal(r.kind, "command");
  return (r as { parsed: Parsed }).parsed;
}

function fails(argv: string[], pattern: RegExp) {
  assert.throws(() => parseArgv(argv), (err: unknown) => err instanceof SkiffError && err.exitCode === 125 && pattern.test(err.message));
}

describe("parseArgv", () => {
  it("finds a plain command and its positionals", () => {
    const p = cmd("pull alpine");
    assert.equal(p.command.name, "pull");
    assert.deepEqual(p.args, ["alpine"]);
  });

  it("joins two-word commands and resolves aliases", () => {
    assert.equal(cmd("image ls").command.name, "images");
    assert.equal(cmd("image list").command.name, "images");
    assert.equal(cmd("container ls").command.name, "ps");
    assert.equal(cmd("image inspect a").command.name, "image inspect");
    assert.equal(cmd("system info").command.name, "info");
    assert.equal(cmd("container run alpine").command.name, "run");
  });

  it("keeps values exactly as typed: no numeric casting", () => {
    assert.deepEqual(cmd("rm -f 123e45").args, ["123e45"]);
    assert.equal(cmd("run --name 007 alpine").opts.name, "007");
    assert.deepEqual(cmd("run -p 08080:80 alpine").opts.publish, ["08080:80"]);
  });

  it("stops at the first positional for run, create and exec", () => {
    const p = cmd("run --rm -e A=1 alpine sh -c ls -la --rm");
    assert.deepEqual(p.args, ["alpine"]);
    assert.deepEqual(p.rest, ["sh", "-c", "ls", "-la", "--rm"]);
    assert.deepEqual(p.opts.env, ["A=1"]);
    assert.equal(p.opts.rm, true);
    const e = cmd("exec -it web ps -ef");
    assert.deepEqual([e.args, e.rest, e.opts.interactive, e.opts.tty], [["web"], ["ps", "-ef"], true, true]);
  });

  it("takes -- as the end of flags", () => {
    const p = cmd("run -- alpine --help");
    assert.deepEqual([p.args, p.rest], [["alpine"], ["--help"]]);
    assert.deepEqual(cmd("rm -- -weird").args, ["-weird"]);
  });

  it("handles short clusters, attached values and --flag=value", () => {
    const p = cmd("run -itd -eFOO=bar --name=web -p=1:2 alpine");
    assert.deepEqual([p.opts.interactive, p.opts.tty, p.opts.detach], [true, true, true]);
    assert.deepEqual(p.opts.env, ["FOO=bar"]);
    assert.equal(p.opts.name, "web");
    assert.deepEqual(p.opts.publish, ["1:2"]);
    assert.equal(cmd("cp -a=false a c:/b").opts.archive, false, "pflag: -a=false");
    assert.equal(cmd("run -i=false alpine").opts.interactive, false);
  });

  it("types values, applies defaults, negates booleans", () => {
    const p = cmd("logs --tail 5 c");
    assert.equal(p.opts.tail, 5);
    assert.equal(cmd("logs c").opts.tail, -1);
    assert.equal(cmd("logs --tail -1 c").opts.tail, -1);
    assert.equal(cmd("pull --tls-verify=false x").opts.tlsVerify, false);
    assert.equal(cmd("pull --no-tls-verify x").opts.tlsVerify, false);
    assert.equal(cmd("pull x").opts.tlsVerify, true);
    assert.deepEqual(cmd("run alpine").opts.env, []);
  });

  it("keeps the last value of a repeated single-value flag", () => {
    assert.equal(cmd("run --name a --name b alpine").opts.name, "b");
  });

  it("accepts global flags before and after the command", () => {
    const p = cmd("--root /r --log-level=debug info --runroot /rr");
    assert.deepEqual([p.command.name, p.opts.root, p.opts.logLevel, p.opts.runroot], ["info", "/r", "debug", "/rr"]);
  });

  it("lets a command's short flag win over a global one (run -h is --hostname)", () => {
    assert.equal(cmd("run -h box alpine").opts.hostname, "box");
    assert.equal(cmd("run -v /a:/b alpine").opts.volume?.toString(), "/a:/b");
  });

  it("recognises help and version requests", () => {
    assert.deepEqual(parseArgv(["--version"]), { kind: "version" });
    assert.deepEqual(parseArgv(["-v"]), { kind: "version" });
    assert.equal(parseArgv(["--help"]).kind, "help");
    const h = parseArgv(["pull", "--help"]);
    assert.equal(h.kind === "help" && h.command?.name, "pull");
    const g = parseArgv(["image", "--help"]);
    assert.equal(g.kind === "help" && g.group, "image");
    // after the image, --help belongs to the container command
    assert.equal(parseArgv(["run", "alpine", "--help"]).kind, "command");
  });

  it("rejects bad input with one clear message", () => {
    fails(["frobnicate"], /unknown command "frobnicate"/);
    fails(["image", "frob"], /unknown command "frob" for "skiff image"/);
    fails(["image"], /missing command for "skiff image"/);
    fails([], /missing command/);
    fails(["pull"], /"skiff pull" requires IMAGE/);
    fails(["exec", "web"], /requires COMMAND/);
    fails(["pull", "--bogus", "x"], /unknown flag: --bogus/);
    fails(["ps", "-Z"], /unknown shorthand flag: 'Z'/);
    fails(["run", "--name"], /flag needs an argument: --name/);
    fails(["logs", "--tail", "many", "c"], /invalid value "many" for --tail: not a number/);
    fails(["run", "--pull", "sometimes", "x"], /invalid value "sometimes" for --pull: choose one of always, missing, never, newer/);
    fails(["version", "extra"], /accepts no arguments, got "extra"/);
    fails(["rename", "a", "b", "c"], /at most 2 arguments/);
    fails(["pull", "--tls-verify=maybe", "x"], /use true or false/);
  });
});
