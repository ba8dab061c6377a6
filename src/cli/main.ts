/**
 * The CLI entry: parse argv against the command table, build the context, run the command, and map
 * every failure to one line on stderr and an exit code (125 for skiff's own errors, as podman does).
 */
import { ExitError, SkiffError, environmentError, oneLine } from "../errors.js";
import { colors, type OutStream } from "../log.js";
import { VERSION } from "../version.js";
import { createContext, type ContextIO } from "./context.js";
import { commandHelp, groupHelp, mainHelp } from "./help.js";
import { parseArgv } from "./parse.js";
import { loadHandler } from "./table/handlers.js";
import { outerIds } from "../rootless/userns.js";

/** The one line (plus cause detail at debug level) a failure prints. */
export function errorLine(err: unknown, debug: boolean): string {
  if (err instanceof SkiffError) {
    const hint = err.hint ? ` (${oneLine(err.hint)})` : "";
    let line = `Error: ${oneLine(err.message)}${hint}\n`;
    if (debug && err.cause) line += `  cause: ${err.cause instanceof Error ? err.cause.stack : String(err.cause)}\n`;
    return line;
  }
  const env = environmentError(err);
  if (env) return `Error: ${oneLine(env)}\n`;
  const msg = err instanceof Error ? err.message : String(err);
  const detail = debug && err instanceof Error && err.stack ? `${err.stack}\n` : "";
  return `Error: internal error: ${oneLine(msg)} (please report this with the output of --log-level debug)\n${detail}`;
}

function wantsDebug(argv: string[], env: NodeJS.ProcessEnv): boolean {
  const i = argv.indexOf("--log-level");
  return argv.includes("--log-level=debug") || (i !== -1 && argv[i + 1] === "debug") || env.SKIFF_DEBUG === "1";
}

/** Runs one command line; resolves to the process exit code. Never throws. */
export async function main(argv: string[], io: ContextIO): Promise<number> {
  const write = (s: OutStream, text: string) => { if (text) s.write(text); };
  try {
    const result = parseArgv(argv);
    if (result.kind === "version") {
      write(io.stdout, `skiff version ${VERSION}\n`);
      return 0;
    }
    if (result.kind === "help") {
      write(io.stdout, result.group ? groupHelp(result.group) : result.command ? commandHelp(result.command) : mainHelp());
      return 0;
    }
    const { command, args, rest, opts } = result.parsed;
    if (opts.noout) io = { ...io, stdout: { ...io.stdout, write: () => true } as typeof io.stdout };
    if (!command.handler) {
      throw new SkiffError("NOT_IMPLEMENTED", `skiff ${command.name}: not implemented yet`);
    }
    // an ordinary user's command runs inside the rootless user namespace (rootless/join.ts)
    if (io.uid !== 0 && !outerIds(io.env)) {
      const join = await import("../rootless/join.js");
      if (join.joinsNamespace(command.name)) {
        const ctx = createContext(opts, io);
        return await join.enterRootless(argv, ctx.runroot, io.env, ctx.log);
      }
    }
    const ctx = createContext(opts, io);
    ctx.log.debug(`command ${command.name} args=${JSON.stringify(args)} rest=${JSON.stringify(rest)}`);
    const handler = await loadHandler(command);
    if (!handler) throw new SkiffError("INTERNAL", `skiff ${command.name}: no handler ${command.handler.join(".")}`);
    const out = await handler({ ctx, args, rest, opts });
    if (out) write(io.stdout, out);
    return 0;
  } catch (err) {
    if (err instanceof ExitError) return err.exitCode;
    const c = colors(io.stderr, io.env);
    const line = errorLine(err, wantsDebug(argv, io.env));
    write(io.stderr, line.replace(/^Error:/, c.red("Error:")));
    return err instanceof SkiffError ? err.exitCode : 125;
  }
}
