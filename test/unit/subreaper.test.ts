import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createdSupported, UNREAPED_RUNS } from "../../src/shim/created.js";
import { exitedChild } from "../../src/sys/node.js";
import { madeSubreaper, reapingExecArgv, subreaperExecArgv } from "../../src/sys/subreaper-exec.js";
import type { Sys } from "../../src/sys/types.js";

/** /proc/PID/stat's fields from the state letter on (52 fields in all, exit_code last). */
const fields = (state: string, ppid: number, exitCode: number) => [state, String(ppid), ...Array(47).fill("0"), String(exitCode)];

describe("a Node shim as child subreaper", () => {
  it("is exec'd by perl with prctl's number for the architecture, and not elsewhere", () => {
    const argv = subreaperExecArgv("arm64", "/usr/bin/perl", ["/usr/bin/node", "/opt/skiff.js", "__shim"])!;
    assert.deepEqual([argv[0], argv[1], ...argv.slice(3)], ["/usr/bin/perl", "-e", "/usr/bin/node", "/opt/skiff.js", "__shim"]);
    assert.match(argv[2], /^syscall\(167, 36, 1, 0, 0, 0\) == 0 and \$ENV\{SKIFF_SUBREAPER\} = \$\$; exec \{ \$ARGV\[0\] \} @ARGV;/);
    assert.match(subreaperExecArgv("x64", "perl", ["node"])![2], /^syscall\(157,/);
    assert.match(subreaperExecArgv("arm", "perl", ["node"])![2], /^syscall\(172,/);
    assert.equal(subreaperExecArgv("mips", "perl", ["node"]), undefined);
  });

  it("runs a probe's runtime under perl as a reaping subreaper, and not elsewhere", () => {
    const argv = reapingExecArgv("x64", "/usr/bin/perl", ["/usr/sbin/runc", "exec", "id"])!;
    assert.deepEqual([argv[0], argv[1], ...argv.slice(3)], ["/usr/bin/perl", "-e", "/usr/sbin/runc", "exec", "id"]);
    assert.match(argv[2], /^syscall\(157, 36, 1, 0, 0, 0\); my \$child = fork\(\)/);
    assert.match(argv[2], /while \(\(my \$pid = wait\(\)\) != -1\)/);
    assert.equal(reapingExecArgv("mips", "perl", ["runc"]), undefined);
  });

  it("believes the variable only in the process perl set it in", () => {
    assert.equal(madeSubreaper({ SKIFF_SUBREAPER: "4242" }, 4242), true);
    assert.equal(madeSubreaper({ SKIFF_SUBREAPER: "4242" }, 4243), false); // a child that inherited it
    assert.equal(madeSubreaper({}, 4242), false);
  });

  it("reads a zombie child's status from /proc and refuses processes not its own", () => {
    assert.equal(exitedChild(fields("S", 100, 0), 7, 100), undefined);
    assert.equal(exitedChild(fields("Z", 100, 7 << 8), 7, 100), 7);
    assert.equal(exitedChild(fields("Z", 100, 9), 7, 100), 137);
    assert.equal(exitedChild(fields("X", 100, 0), 7, 100), 0);
    assert.throws(() => exitedChild(fields("Z", 1, 0), 7, 100), /^SkiffError: waitpid 7: ECHILD/);
    assert.throws(() => exitedChild(undefined, 7, 100), /ECHILD/);
  });

  it("creates containers without a runtime beside them only as long as the zombies stay few", () => {
    const sys = (runtime: Sys["runtime"], subreaper: boolean, reap: boolean) => ({ runtime, supports: { subreaper, reap } }) as Sys;
    assert.equal(createdSupported(sys("bun", true, true), 1000), true);
    assert.equal(createdSupported(sys("node", true, false), 0), true);
    assert.equal(createdSupported(sys("node", true, false), UNREAPED_RUNS - 1), true);
    assert.equal(createdSupported(sys("node", true, false), UNREAPED_RUNS), false);
    assert.equal(createdSupported(sys("node", false, false), 0), false);
    assert.equal(createdSupported(sys("deno", true, true), 0), true);
  });
});
