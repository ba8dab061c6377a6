/**
 * `exec`: the CLI itself is the parent of `runc exec` (foreground: runc relays stdio and exits with
 * the process's status; -d: runc returns once it started). No shim is involved.
 */
import { containerEvent } from "../../events/log.js";
import { randomHex } from "../../util/crypto.js";
import { closeSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ExitError, SkiffError } from "../../errors.js";
import { runtimeOf } from "../../container/runtime.js";
import { execProcessFor } from "../../container/exec.js";
import { observedState } from "../../container/lifecycle.js";
import { parseEnvEntries, parseEnvFile } from "../../container/options.js";
import { bundleDir } from "../../container/paths.js";
import { getRecord, listRecords } from "../../container/store.js";
import { startFailureExitCode } from "../../runtime/errors.js";
import { execArgs, takeRuntimeError } from "../../runtime/runc.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { makeOutputPipe } from "../../shim/pipes.js";
import { getSys } from "../../sys/index.js";
import { readSmallFile } from "../../util/bounded-file.js";
import type { Handler } from "../table/types.js";
import { pathsOf } from "./container-context.js";

export const exec: Handler = async ({ ctx, args, rest, opts }) => {
  const p = pathsOf(ctx);
  // runc in the foreground uses the caller's own terminal as the host side of the process's pty
  const tty = Boolean(opts.tty);
  if (tty && !process.stdin.isTTY) throw new SkiffError("INVALID_ARGUMENT", "exec -t needs a terminal on stdin", { hint: "leave out -t when stdin is a pipe or a file" });
  const all = listRecords(p);
  const rec = opts.latest ? all[all.length - 1] : getRecord(p, args[0], all);
  if (!rec) throw new SkiffError("NOT_FOUND", "no containers");
  const command = opts.latest ? [args[0], ...rest].filter((a) => a !== undefined) : rest;
  const state = observedState(p, rec.id);
  if (state.status !== "running" && state.status !== "stopping") {
    throw new SkiffError("FAILED_PRECONDITION", `can only create exec sessions on running containers: container state improper`, { exitCode: 255 });
  }
  const envFiles = ((opts.envFile as string[]) ?? []).map((f) => parseEnvFile(readSmallFile(f, "env file"), ctx.env));
  const processSpec = execProcessFor(p, rec, {
    args: command,
    env: [...envFiles.flat(), ...parseEnvEntries((opts.env as string[]) ?? [], ctx.env)],
    user: opts.user as string | undefined,
    workdir: opts.workdir as string | undefined,
    privileged: Boolean(opts.privileged),
    tty,
  });
  const rt = runtimeOf(p, rec);
  const dir = bundleDir(p, rec.id);
  const tag = randomHex(6);
  const processFile = join(dir, `exec-${tag}.json`);
  const logFile = join(dir, `exec-${tag}.log`);
  writeFileAtomic(processFile, JSON.stringify(processSpec));
  const { spawn } = await import("node:child_process");
  // the process's stdout and stderr are FIFOs relayed here, as conmon's pipes are (a socket, as
  // "pipe" or a caller's socket would give, cannot be opened as /dev/stdout): the runtime's own
  // failure is reported as one line below, the rest passes through
  const sys = opts.detach || tty ? undefined : await getSys();
  const stdoutPipe = sys && makeOutputPipe(dir, `exec-${tag}.stdout`, sys);
  const stderrPipe = sys && makeOutputPipe(dir, `exec-${tag}.stderr`, sys);
  containerEvent(p.root, rec, "exec");
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(rt.path, execArgs(rt, logFile, rec.id, processFile, { detach: Boolean(opts.detach), tty: false }), {
        // -d: the process keeps runc's stdio; handing it ours would keep this command waiting for it
        stdio: opts.detach ? "ignore" : [opts.interactive || tty ? "inherit" : "ignore", stdoutPipe ? stdoutPipe.writer : "inherit", stderrPipe ? stderrPipe.writer : "inherit"],
      });
      let drained: Promise<void> = Promise.resolve();
      const closeWriter = () => {
        for (const pipe of [stdoutPipe, stderrPipe]) {
          try {
            if (pipe) closeSync(pipe.writer);
          } catch { /* closed */ }
        }
      };
      child.on("spawn", () => {
        closeWriter();
        if (!stdoutPipe || !stderrPipe) return;
        drained = Promise.all([
          stdoutPipe.drain((d) => ctx.stdout.write(d)),
          stderrPipe.drain((d) => {
            if (!/^(?:\S+ )?exec failed: /.test(d.toString())) ctx.stderr.write(d);
          }),
        ]).then(() => undefined);
      });
      const relay = (sig: NodeJS.Signals) => child.kill(sig);
      process.on("SIGINT", relay);
      process.on("SIGTERM", relay);
      child.on("error", (err) => {
        closeWriter();
        reject(new SkiffError("UNAVAILABLE", `cannot run ${rt.path}: ${err.message}`));
      });
      child.on("exit", (c, signal) => {
        process.off("SIGINT", relay);
        process.off("SIGTERM", relay);
        void drained.then(() => resolve(c ?? 128 + (signal === "SIGKILL" ? 9 : 15)));
      });
    });
    const error = takeRuntimeError(logFile);
    if (!opts.detach) containerEvent(p.root, rec, "exec_died", { ContainerExitCode: code });
    if (error) throw new SkiffError("FAILED_PRECONDITION", error, { exitCode: startFailureExitCode(error) });
    if (code !== 0) throw new ExitError(code);
  } finally {
    rmSync(processFile, { force: true });
    rmSync(logFile, { force: true });
    for (const end of ["stdout", "stderr"]) rmSync(join(dir, `exec-${tag}.${end}`), { force: true });
  }
};
