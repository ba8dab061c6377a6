/** exec into running containers, and terminals (-t) under a pseudo-terminal made by script(1). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { containerEnv, sk, skShell } from "../helpers/containers.js";
import { requiresRoot } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
const env = isRoot ? containerEnv() : {};

/** Runs `cmd` with a terminal of the given size on its stdio; `input` (printf format) is typed after a second. */
function underTerminal(cmd: string, input = "", size = "rows 33 cols 91") {
  return skShell({ ...env, CMD: cmd, INPUT: input, SIZE: size }, `(sleep 1; printf "$INPUT"; sleep 1) | script -qec "stty $SIZE; $CMD" /dev/null`);
}

describe("exec", () => {
  it("runs commands in a running container with -e, -u, -w, -i and passes the exit code", (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(sk(env, ["run", "-d", "--name", "host", "-e", "BASE=b", "bb", "sleep", "60"]).code, 0);
    const r = sk(env, ["exec", "host", "sh", "-c", "echo out; echo err >&2; exit 6"]);
    assert.equal(r.code, 6);
    assert.equal(r.stdout, "out\n");
    assert.equal(r.stderr, "err\n");
    const env2 = sk(env, ["exec", "-e", "X=1", "-u", "app", "-w", "/tmp", "host", "sh", "-c", 'echo "$BASE $X $(id -u) $(pwd)"']);
    assert.equal(env2.stdout, "b 1 1000 /tmp\n", env2.stderr);
    const piped = skShell(env, `printf 'a\\nb\\n' | "$SKIFF" exec -i host wc -l`);
    assert.equal(piped.stdout.trim(), "2");
    // the exec'd process sees the container's own filesystem and processes
    sk(env, ["exec", "host", "touch", "/tmp/marker"]);
    assert.equal(sk(env, ["exec", "host", "ls", "/tmp/marker"]).code, 0);
    assert.match(sk(env, ["exec", "host", "ps"]).stdout, /sleep 60/);
  });

  it("fails with 127 or 126 and one line when the command cannot run", (t) => {
    if (!requiresRoot(t)) return;
    const missing = sk(env, ["exec", "host", "no-such-thing"]);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /^Error: .*no-such-thing.*\n$/);
    assert.equal(sk(env, ["exec", "host", "/etc/passwd"]).code, 126);
  });

  it("runs -d processes in the background", async (t) => {
    if (!requiresRoot(t)) return;
    assert.equal(sk(env, ["exec", "-d", "host", "sh", "-c", "sleep 2; touch /tmp/bg-done"]).code, 0);
    assert.notEqual(sk(env, ["exec", "host", "test", "-e", "/tmp/bg-done"]).code, 0);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(sk(env, ["exec", "host", "test", "-e", "/tmp/bg-done"]).code, 0);
  });

  it("refuses a container that is not running", (t) => {
    if (!requiresRoot(t)) return;
    sk(env, ["create", "--name", "idle", "bb", "true"]);
    const r = sk(env, ["exec", "idle", "true"]);
    assert.equal(r.code, 255, "podman's exit code");
    assert.match(r.stderr, /can only create exec sessions on running containers: container state improper/);
  });

  it("gives exec -t the caller's terminal and refuses -t without one", (t) => {
    if (!requiresRoot(t)) return;
    // runc sizes the console just after the process starts: a process that asks at once may see 0x0
    const r = underTerminal(`"$SKIFF" exec -it host sh -c 'tty; sleep 0.3; stty size; exit 3'`);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+\r\n33 91\r\n/);
    assert.equal(sk(env, ["exec", "-t", "host", "true"]).code, 125);
    sk(env, ["rm", "-f", "host", "idle"]);
  });
});

describe("run -t", () => {
  it("gives the container a terminal of the caller's size and passes typed input", (t) => {
    if (!requiresRoot(t)) return;
    const r = underTerminal(`"$SKIFF" run -it --rm bb sh -c 'tty; sleep 0.3; stty size; read x; echo got:$x; exit 4'`, "typed\\n", "rows 40 cols 100");
    assert.equal(r.code, 4, r.stderr);
    // libuv's raw mode keeps ONLCR, so the caller's terminal adds a \r of its own
    assert.match(r.stdout, /\/dev\/pts\/\d+\r+\n40 100\r+\n/);
    assert.match(r.stdout, /got:typed\r+\n/);
  });

  it("detaches with Ctrl-P Ctrl-Q, leaving the container running", (t) => {
    if (!requiresRoot(t)) return;
    const r = underTerminal(`"$SKIFF" run -it --name detached bb sh -c 'echo ready; sleep 60'`, "\\020\\021");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(JSON.parse(sk(env, ["inspect", "detached"]).stdout)[0].State.Status, "running");
    assert.equal(sk(env, ["rm", "-f", "detached"]).code, 0);
    assert.equal(sk(env, ["run", "--rm", "--detach-keys", "ctrl-pp", "bb", "true"]).code, 125);
  });

  it("lets Ctrl-C reach the container", (t) => {
    if (!requiresRoot(t)) return;
    const r = underTerminal(`"$SKIFF" run -it --rm bb sh -c 'trap "echo caught; exit 7" INT; echo ready; while true; do sleep 0.05; done'`, "\\003");
    assert.equal(r.code, 7, r.stdout + r.stderr);
    assert.match(r.stdout, /caught/);
  });
});
