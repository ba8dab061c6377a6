/**
 * -t where the JavaScript runtime has no pseudo-terminal of its own (Node, Deno): util-linux's
 * script(1), on every Debian machine (bsdutils is essential), makes the pty and runs the runtime on
 * it, as Bun's Terminal does for the executable; the shim talks to script through pipes. runc
 * then finds a terminal on its stdio, puts its side in raw mode and gives the container a console
 * of its own. A resize is stty(1) on the pty runc holds as stdin: the kernel sends the SIGWINCH
 * that makes runc resize the container's console.
 */
import { readlinkSync } from "node:fs";
import { childrenOf } from "../container/liveness.js";
import { SkiffError } from "../errors.js";
import { exitStatus } from "../runtime/errors.js";
import { shellQuote } from "../util/shell-quote.js";
import type { ChildIO, RuntimeChild } from "./child.js";
import { signalNumber } from "./child.js";

const SCRIPT = "/usr/bin/script";
const STTY = "/bin/stty";

/** script's arguments that run `argv` on a new pty: quiet, its exit status, no echo of input. */
export function scriptArgs(argv: string[]): string[] {
  return ["-q", "-e", "-E", "never", "-c", `exec ${argv.map(shellQuote).join(" ")}`, "/dev/null"];
}

export async function spawnScriptTerminal(argv: string[], io: ChildIO): Promise<RuntimeChild> {
  const { spawn, execFile } = await import("node:child_process");
  // script runs its command with $SHELL -c
  const child = spawn(SCRIPT, scriptArgs(argv), { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, SHELL: "/bin/sh" } });
  child.stdout.on("data", (b: Buffer) => io.onStdout(b));
  child.stderr.on("data", (b: Buffer) => io.onStderr(b));
  child.stdin.on("error", () => undefined); // EPIPE once script is gone
  const runtimePid = () => (child.pid ? childrenOf(child.pid)[0] : undefined);
  let size = { rows: 24, cols: 80 };
  let sized = false;
  const applySize = () => {
    const pid = runtimePid();
    let pty: string | undefined;
    try {
      if (pid) pty = readlinkSync(`/proc/${pid}/fd/0`);
    } catch { /* not started, or gone */ }
    if (!pty?.startsWith("/dev/pts/")) return false;
    execFile(STTY, ["-F", pty, "rows", String(size.rows), "cols", String(size.cols)], () => undefined);
    return true;
  };
  // a pty script made from pipes has no size until it is given one: 80x24 as Bun's, or the client's
  const sizing = setInterval(() => { if (sized || applySize()) { sized = true; clearInterval(sizing); } }, 10);
  const exited = new Promise<number>((resolve) => {
    child.on("error", () => resolve(125));
    child.on("close", (code, signal) => {
      clearInterval(sizing);
      resolve(exitStatus(code, signalNumber(signal)));
    });
  });
  return {
    pid: child.pid,
    writeStdin: (b) => child.stdin.write(b),
    // as on Bun's terminal: end-of-file is the terminal's ^D
    endStdin: () => child.stdin.write("\x04"),
    resize: (rows, cols) => {
      size = { rows, cols };
      if (sized) applySize();
    },
    kill: (sig) => {
      // the runtime itself: script turns every signal it forwards into SIGTERM
      const pid = runtimePid();
      try {
        if (pid) process.kill(pid, sig as NodeJS.Signals);
        else child.kill(sig as NodeJS.Signals);
      } catch { /* gone */ }
    },
    exited,
  };
}

/** Why -t cannot work on this runtime, or undefined when it can. */
export function scriptMissing(exists: (path: string) => boolean): SkiffError | undefined {
  if (exists(SCRIPT) && exists(STTY)) return undefined;
  return new SkiffError("NOT_IMPLEMENTED", "-t on this JavaScript runtime needs script(1) and stty(1), and they are not installed", { hint: "install util-linux's bsdutils and coreutils, run the skiff executable, or leave out -t" });
}
