/**
 * Turns argv into a command, its positionals and typed options, using only the command table.
 * Pure. Follows podman's (pflag's) grammar: two-word commands (`image ls`), short clusters (`-it`),
 * `--flag=value`, `--no-flag`, `--` ends flags, and for run/create/exec every word after the first
 * positional belongs to the container command. Values are kept as typed ("007" stays "007").
 */
import { SkiffError } from "../errors.js";
import { COMMANDS, GLOBAL_OPTIONS, GROUPS, subcommandWords, type CommandSpec, type OptionSpec } from "./table/index.js";

export interface Parsed {
  command: CommandSpec;
  /** The positionals the command declares, except a trailing container command. */
  args: string[];
  /** The container command of run/create/exec (everything after the first positional). */
  rest: string[];
  /** Command and global options by camelCased long name, typed, with defaults applied. */
  opts: Record<string, unknown>;
}

export type ParseResult =
  | { kind: "version" }
  | { kind: "help"; command?: CommandSpec; group?: string }
  | { kind: "command"; parsed: Parsed };

export function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function invalid(message: string, hint?: string): never {
  throw new SkiffError("INVALID_ARGUMENT", message, { hint });
}

interface ArgSpec { name: string; required: boolean; variadic: boolean }

export function argSpecs(command: CommandSpec): ArgSpec[] {
  return [...(command.args ?? "").matchAll(/([<[])(\.\.\.)?([^>\]]+?)(\.\.\.)?[>\]]/g)].map((m) => ({
    name: m[3],
    required: m[1] === "<",
    variadic: Boolean(m[2] || m[4]),
  }));
}

/** Options in force for a command; a command's own short flag wins over a global one (run -h). */
function optionSet(command?: CommandSpec): OptionSpec[] {
  const own = command?.options ?? [];
  const shorts = new Set(own.map((o) => o.short).filter(Boolean));
  const names = new Set(own.map((o) => o.name));
  const globals = GLOBAL_OPTIONS.filter((g) => !names.has(g.name)).map((g) => (g.short && shorts.has(g.short) ? { ...g, short: undefined } : g));
  return [...own, ...globals];
}

function convert(o: OptionSpec, raw: string[]): unknown {
  const flag = `--${o.name}`;
  for (const v of raw) {
    if (o.choices && !o.lenient && !o.choices.includes(v)) invalid(`invalid value "${v}" for ${flag}: choose one of ${o.choices.join(", ")}`);
  }
  switch (o.type) {
    case "string[]":
      return raw;
    case "number": {
      const v = raw[raw.length - 1];
      const n = Number(v);
      if (v.trim() === "" || !Number.isFinite(n)) invalid(`invalid value "${v}" for ${flag}: not a number`);
      return n;
    }
    case "boolean": {
      const v = raw[raw.length - 1];
      if (!["true", "false", "1", "0"].includes(v)) invalid(`invalid value "${v}" for ${flag}: use true or false`);
      return v === "true" || v === "1";
    }
    default:
      return raw[raw.length - 1];
  }
}

/** Resolves the command word(s) at tokens[i]; returns the spec and how many tokens it used. */
function resolveCommand(tokens: string[], i: number, table: CommandSpec[], wantsHelp: boolean): { command?: CommandSpec; used: number; group?: string } {
  const word = tokens[i];
  const byName = (n: string) => table.find((c) => c.name === n || c.aliases?.includes(n));
  const next = tokens[i + 1];
  if (GROUPS.has(word)) {
    if (next !== undefined && !next.startsWith("-")) {
      const command = byName(`${word} ${next}`);
      if (command) return { command, used: 2 };
      invalid(`unknown command "${next}" for "skiff ${word}"`, `run 'skiff ${word} --help' to list its commands`);
    }
    if (byName(word)) return { command: byName(word), used: 1 };
    if (wantsHelp) return { used: 1, group: word };
    invalid(`missing command for "skiff ${word}"`, `one of: ${subcommandWords(word).join(", ")}`);
  }
  const command = byName(word);
  if (!command || command.hidden) invalid(`unknown command "${word}" for "skiff"`, "run 'skiff --help' to list the commands");
  return { command, used: 1 };
}

export function parseArgv(tokens: string[], table: CommandSpec[] = COMMANDS): ParseResult {
  let command: CommandSpec | undefined;
  let group: string | undefined;
  let options = optionSet();
  const given = new Map<OptionSpec, string[]>();
  const positionals: string[] = [];
  let rest: string[] | undefined;
  let help = false;
  let version = false;
  const leading = () => Math.max(1, argSpecs(command!).findIndex((a) => a.variadic));
  const wantsHelp = tokens.includes("--help") || tokens.includes("-h");

  const set = (o: OptionSpec, v: string) => {
    if (o.name === "help") help = true;
    else if (o.name === "version") version = true;
    else given.set(o, [...(given.get(o) ?? []), v]);
  };

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (rest) { rest.push(tok); continue; }
    if (tok === "--") {
      const tail = tokens.slice(i + 1);
      if (command?.stopAtFirstPositional && positionals.length === 0) positionals.push(...tail.splice(0, 1));
      if (command?.stopAtFirstPositional) rest = tail; else positionals.push(...tail);
      break;
    }
    if (tok.startsWith("--") ) {
      const eq = tok.indexOf("=");
      const name = tok.slice(2, eq === -1 ? undefined : eq);
      let o = options.find((x) => x.name === name || x.aliases?.includes(name));
      if (!o && name.startsWith("no-")) {
        const neg = options.find((x) => x.name === name.slice(3) && x.type === "boolean");
        if (neg && eq === -1) { set(neg, "false"); continue; }
      }
      if (!o) invalid(`unknown flag: --${name}`, command ? `see 'skiff ${command.name} --help'` : "see 'skiff --help'");
      o = o!;
      if (o.type === "boolean") set(o, eq === -1 ? "true" : tok.slice(eq + 1));
      else if (eq !== -1) set(o, tok.slice(eq + 1));
      else if (i + 1 < tokens.length) set(o, tokens[++i]);
      else invalid(`flag needs an argument: --${name}`);
      continue;
    }
    if (tok.startsWith("-") && tok.length > 1) {
      for (let j = 1; j < tok.length; j++) {
        const o = options.find((x) => x.short === tok[j]);
        if (!o) invalid(`unknown shorthand flag: '${tok[j]}' in ${tok}`, command ? `see 'skiff ${command.name} --help'` : "see 'skiff --help'");
        if (o!.type === "boolean") {
          // pflag: "-a=false" gives a boolean shorthand its value
          if (tok[j + 1] === "=") { set(o!, tok.slice(j + 2)); break; }
          set(o!, "true");
          continue;
        }
        const inline = tok.slice(j + 1).replace(/^=/, "");
        if (inline !== "") set(o!, inline);
        else if (i + 1 < tokens.length) set(o!, tokens[++i]);
        else invalid(`flag needs an argument: '${tok[j]}' in ${tok}`);
        break;
      }
      continue;
    }
    if (!command && !group) {
      const r = resolveCommand(tokens, i, table, wantsHelp);
      ({ command, group } = r);
      i += r.used - 1;
      if (command) options = optionSet(command);
      continue;
    }
    positionals.push(tok);
    if (command?.stopAtFirstPositional && positionals.length === leading()) rest = [];
  }

  if (group) return { kind: "help", group };
  if (help) return { kind: "help", command };
  if (!command) {
    if (version) return { kind: "version" };
    invalid("missing command", "run 'skiff --help' to list the commands");
  }
  const cmd = command!;

  const specs = argSpecs(cmd);
  const all = [...positionals, ...(rest ?? [])];
  const required = specs.filter((a) => a.required).length;
  if (all.length < required) {
    const missing = specs.filter((a) => a.required).slice(all.length).map((a) => a.name.toUpperCase());
    invalid(`"skiff ${cmd.name}" requires ${missing.join(" and ")}`, `usage: skiff ${usageLine(cmd)}`);
  }
  if (!specs.some((a) => a.variadic) && all.length > specs.length) {
    invalid(`"skiff ${cmd.name}" accepts ${specs.length === 0 ? "no arguments" : `at most ${specs.length} argument${specs.length > 1 ? "s" : ""}`}, got "${all[specs.length]}"`, `usage: skiff ${usageLine(cmd)}`);
  }

  const opts: Record<string, unknown> = {};
  for (const o of optionSet(cmd)) {
    const raw = given.get(o);
    if (raw) opts[camelCase(o.name)] = convert(o, raw);
    else if (o.default !== undefined) opts[camelCase(o.name)] = o.default;
    else if (o.type === "string[]") opts[camelCase(o.name)] = [];
  }
  return { kind: "command", parsed: { command: cmd, args: positionals, rest: rest ?? [], opts } };
}

/** "run [options] IMAGE [COMMAND...]" */
export function usageLine(command: CommandSpec): string {
  const args = argSpecs(command).map((a) => {
    const n = a.name.toUpperCase() + (a.variadic ? "..." : "");
    return a.required ? n : `[${n}]`;
  });
  return [command.name, command.options?.length ? "[options]" : "", ...args].filter(Boolean).join(" ");
}
