/**
 * The command table: one declarative description of every command and flag. cac, `--help`, shell
 * completions and man pages are all generated from it, so none of them is written twice.
 */
import type { Context } from "../context.js";

export type OptionType = "boolean" | "string" | "string[]" | "number";

export interface OptionSpec {
  /** Long name without dashes, e.g. "env". */
  name: string;
  /** One-letter alias without dash, e.g. "e". */
  short?: string;
  /** Other long names, e.g. "net" for --network (podman's). */
  aliases?: string[];
  type: OptionType;
  description: string;
  /** Placeholder shown in help, e.g. "VAR=value"; absent for booleans. */
  valueName?: string;
  default?: string | number | boolean;
  /** Allowed values, checked while parsing and offered by completions. */
  choices?: readonly string[];
  /** The choices are only offered, not checked while parsing: the command checks the value (its own error and exit code). */
  lenient?: boolean;
  /** What a shell should complete for the value. */
  complete?: "file" | "dir";
}

export interface Invocation {
  ctx: Context;
  /** Positional arguments, as typed. */
  args: string[];
  /** Options, normalised to their declared types, keyed by camelCased long name. */
  opts: Record<string, unknown>;
  /** Arguments after the command's own positionals (the container command of run/exec). */
  rest: string[];
}

/** A command body. Returns text for stdout (or nothing); throws SkiffError/ExitError to fail. */
export type Handler = (inv: Invocation) => Promise<string | void>;

export interface CommandSpec {
  /** "pull", or "image ls" for a subcommand of a group. */
  name: string;
  aliases?: string[];
  /** cac argument syntax: "<image>", "[names...]". */
  args?: string;
  description: string;
  options?: OptionSpec[];
  /**
   * Flags after the first positional belong to the container command (`run IMAGE sh -c …`),
   * as with podman's run, create and exec.
   */
  stopAtFirstPositional?: boolean;
  /** Not listed in help, completions or man pages. */
  hidden?: boolean;
  /** Section of the top-level help. */
  section: "Containers" | "Images" | "Volumes" | "Networks" | "System";
  examples?: string[];
  /** The command's module (in src/cli/commands/) and export (see handlers.ts); absent while it is not built yet. */
  handler?: [module: string, name: string];
}

/** Parses "-e, --env <VAR=value>" into an OptionSpec; type defaults to string or boolean. */
export function opt(
  flags: string,
  description: string,
  extra: Partial<Omit<OptionSpec, "name" | "short" | "description">> = {},
): OptionSpec {
  const m = /^(?:-(\w), )?--([\w-]+)(?: <([^>]+)>)?$/.exec(flags);
  if (!m) throw new Error(`bad option syntax: ${flags}`);
  const [, short, name, valueName] = m;
  return {
    name,
    short,
    valueName,
    type: extra.type ?? (valueName ? "string" : "boolean"),
    description,
    ...extra,
  };
}

/** Repeatable string option. */
export function multi(flags: string, description: string, extra: Partial<OptionSpec> = {}): OptionSpec {
  return opt(flags, description, { ...extra, type: "string[]" });
}

export const formatOpt = (what = "output") =>
  opt("-f, --format <format>", `Pretty-print ${what} with a Go template, or json`);
export const quietOpt = (what = "IDs") => opt("-q, --quiet", `Print only ${what}`);
export const allOpt = (what: string) => opt("-a, --all", what);
export const filterOpt = (keys: string) => multi("--filter <filter>", `Filter output (${keys})`);
/** Where podman gives -f to --filter (ps, images, volume ls, network ls) or to nothing, --format has no short form. */
export const formatLong = (what = "output") => opt("--format <format>", `Pretty-print ${what} with a Go template, or json`);
export const filterShort = (keys: string) => multi("-f, --filter <filter>", `Filter output (${keys})`);
