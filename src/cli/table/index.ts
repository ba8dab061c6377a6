/** The command table as the CLI uses it: compiled (compiled.ts), with lookups over it. */
import type { CommandSpec } from "./types.js";
import { COMMANDS } from "./compiled.js";

export { COMMANDS, GLOBAL_OPTIONS } from "./compiled.js";
export { loadHandler } from "./handlers.js";
export type { CommandSpec, OptionSpec, Handler, Invocation } from "./types.js";

/** Words that start a two-word command ("image", "container", ...). */
export const GROUPS: ReadonlySet<string> = new Set(
  COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]).filter((n) => n.includes(" ")).map((n) => n.split(" ")[0]),
);

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}

/** The second words of a group, from names and aliases: "image" → ["exists", "inspect", "load", "ls", ...]. */
export function subcommandWords(group: string): string[] {
  const names = COMMANDS.filter((c) => !c.hidden).flatMap((c) => [c.name, ...(c.aliases ?? [])]);
  return [...new Set(names.filter((n) => n.startsWith(`${group} `)).map((n) => n.slice(group.length + 1)))].sort();
}

/** All commands with a name or alias that starts with `group `. */
export function subcommandsOf(group: string): CommandSpec[] {
  return COMMANDS.filter((c) => [c.name, ...(c.aliases ?? [])].some((n) => n.startsWith(`${group} `)));
}
