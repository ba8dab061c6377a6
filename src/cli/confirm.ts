/**
 * podman's "Are you sure you want to continue? [y/N]" for commands that remove things without -f.
 * The prompt goes to stdout and one line is read from stdin; only an answer starting with y or Y
 * goes on. With stdin at its end and no answer (a script, `</dev/null`) nothing is removed and
 * the command fails, as podman's does, so a script never hangs on a question.
 */
import { readSync } from "node:fs";
import { SkiffError, errnoCode } from "../errors.js";
import type { OutStream } from "../log.js";

/** One line from fd 0 (without its newline), or undefined at end of input before a newline. */
export function readAnswerLine(fd = 0): string | undefined {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, one, 0, 1, null);
    } catch (err) {
      // a non-blocking stdin (some runtimes make it so): wait a little and read again
      if (errnoCode(err) === "EAGAIN") { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); continue; }
      if (errnoCode(err) === "EOF") return undefined;
      throw err;
    }
    if (n === 0) return undefined;
    if (one[0] === 0x0a) return Buffer.from(bytes).toString("utf8");
    if (bytes.length < 4096) bytes.push(one[0]);
  }
}

/** Prints `warning` and the question; true when the answer is yes. */
export function confirm(out: OutStream, warning: string, readLine: () => string | undefined = readAnswerLine): boolean {
  out.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  const answer = readLine();
  if (answer === undefined) throw new SkiffError("INVALID_ARGUMENT", "no answer on stdin (EOF): nothing was removed", { hint: "use -f to remove without asking" });
  return answer.toLowerCase().startsWith("y");
}
