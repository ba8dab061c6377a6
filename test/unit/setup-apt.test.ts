/** scripts/lib/apt.sh: apt-get retried on transient failures, driven here by a fake apt-get. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { REPO } from "../helpers/skiff.js";

const dir = mkdtempSync(join(tmpdir(), "skiff-apt-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// The fake fails its first UPDATE_FAILS updates and INSTALL_FAILS installs, as a mirror in sync does.
writeFileSync(join(dir, "apt-get"), `#!/bin/bash
verb=""; for a in "$@"; do case "$a" in update|install) verb=$a ;; esac; done
echo "$verb" >> "$LOG"
n=$(grep -cx "$verb" "$LOG")
if [ "$verb" = update ] && [ "$n" -le "\${UPDATE_FAILS:-0}" ]; then echo "E: File has unexpected size (Mirror sync in progress?)" >&2; exit 100; fi
if [ "$verb" = install ] && [ "$n" -le "\${INSTALL_FAILS:-0}" ]; then echo "E: Unable to fetch some archives" >&2; exit 100; fi
exit 0
`);
chmodSync(join(dir, "apt-get"), 0o755);

function install(failures: { UPDATE_FAILS?: string; INSTALL_FAILS?: string }) {
  const log = join(dir, `log-${Math.random()}`);
  writeFileSync(log, "");
  const r = spawnSync("bash", ["-c", `source '${join(REPO, "scripts", "lib", "apt.sh")}'; apt_install apache2-utils`], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, LOG: log, SUDO: "", SKIFF_APT_PAUSE: "0", SKIFF_APT_ATTEMPTS: "3", ...failures },
  });
  const calls = readFileSync(log, "utf8").trim().split("\n");
  return { code: r.status, stderr: r.stderr, updates: calls.filter((c) => c === "update").length, installs: calls.filter((c) => c === "install").length };
}

describe("setup.sh's apt-get", () => {
  it("retries an update that fails transiently", () => {
    const r = install({ UPDATE_FAILS: "2" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.updates, 3);
    assert.equal(r.installs, 1);
  });

  it("installs anyway when the update keeps failing (an optional index)", () => {
    const r = install({ UPDATE_FAILS: "99" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.installs, 1);
    assert.match(r.stderr, /warning: apt-get update still fails/);
  });

  it("refreshes the lists and retries a failed install", () => {
    const r = install({ INSTALL_FAILS: "2" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.installs, 3);
    assert.equal(r.updates, 3, "one update first, one before each retry");
  });

  it("gives up after its attempts with one line that says what to do", () => {
    const r = install({ INSTALL_FAILS: "99" });
    assert.notEqual(r.code, 0);
    assert.equal(r.installs, 3);
    const last = r.stderr.trim().split("\n").at(-1)!;
    assert.match(last, /^setup\.sh: apt-get install failed \(exit 100\) 3 times for: apache2-utils; .*run scripts\/setup\.sh again$/);
    assert.equal(r.stderr.split("\n").filter((l) => l.startsWith("setup.sh:")).length, 1);
  });
});
