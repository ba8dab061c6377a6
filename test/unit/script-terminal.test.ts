import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { scriptArgs, scriptMissing } from "../../src/shim/script-terminal.js";
import { shellQuote } from "../../src/util/shell-quote.js";

describe("script(1) terminal", () => {
  it("quotes every word so that the shell gives it back unchanged", () => {
    const words = ["/usr/sbin/runc", "it's", "a b", "$HOME", "`id`", "\\", "\"", "", "--log=/x y/z", "ünï"];
    const out = execFileSync("/bin/sh", ["-c", `printf '%s\\n' ${words.map(shellQuote).join(" ")}`], { encoding: "utf8" });
    assert.deepEqual(out.split("\n").slice(0, -1), words);
  });

  it("runs the runtime in place of script's shell, quietly, with its exit status and no echo", () => {
    const args = scriptArgs(["/usr/sbin/runc", "run", "x y"]);
    assert.deepEqual(args, ["-q", "-e", "-E", "never", "-c", "exec '/usr/sbin/runc' 'run' 'x y'", "/dev/null"]);
  });

  it("says in one line what to install when script or stty is missing", () => {
    assert.equal(scriptMissing(() => true), undefined);
    const err = scriptMissing((p) => p !== "/usr/bin/script");
    assert.match(err!.message, /^-t on this JavaScript runtime needs script\(1\) and stty\(1\)/);
    assert.doesNotMatch(err!.message, /\n/);
  });
});
