/** --creds and --creds-file of pull and push, kept apart so push does not load the pull pipeline. */
import { SkiffError } from "../../errors.js";
import { readSmallFile } from "../../util/bounded-file.js";
import { isTerminalFd } from "../../output/stdio.js";
import type { Context } from "../context.js";
import { readAnswerLine } from "../confirm.js";

function splitCreds(value: string, from: string): { username: string; password: string } {
  const i = value.indexOf(":");
  if (i <= 0 || i === value.length - 1) throw new SkiffError("INVALID_ARGUMENT", `${from} must hold USERNAME:PASSWORD`);
  return { username: value.slice(0, i), password: value.slice(i + 1) };
}

/**
 * --creds USER:PASS (every user of the machine can read it in /proc/PID/cmdline for the whole
 * pull, so it is warned about), --creds USER with the password as one line on stdin, or
 * --creds-file with USER:PASS in a file.
 */
export function pullCreds(ctx: Context, opts: Record<string, unknown>): { username: string; password: string } | undefined {
  if (typeof opts.credsFile === "string") {
    if (typeof opts.creds === "string") throw new SkiffError("INVALID_ARGUMENT", "--creds and --creds-file cannot be used together");
    return splitCreds(readSmallFile(opts.credsFile, "--creds-file", 64 << 10).split("\n")[0].replace(/\r$/, ""), `--creds-file ${opts.credsFile}`);
  }
  if (typeof opts.creds !== "string") return undefined;
  if (opts.creds.includes(":")) {
    ctx.stderr.write("WARNING! --creds USER:PASSWORD is visible to every user in the process list; use --creds USER with the password on stdin, or --creds-file\n");
    return splitCreds(opts.creds, "--creds");
  }
  if (isTerminalFd(0)) throw new SkiffError("INVALID_ARGUMENT", `--creds ${opts.creds}: the password is read from stdin, which is a terminal`, { hint: "pipe it in, or use --creds-file" });
  const password = readAnswerLine(0);
  if (!password) throw new SkiffError("INVALID_ARGUMENT", `--creds ${opts.creds}: no password on stdin`);
  return { username: opts.creds, password: password.replace(/\r$/, "") };
}
