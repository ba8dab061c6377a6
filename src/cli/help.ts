/** `--help` text, generated from the command table (man pages use the same table). */
import { COMMANDS, GLOBAL_OPTIONS, subcommandsOf, type CommandSpec, type OptionSpec } from "./table/index.js";
import { usageLine } from "./parse.js";

const SECTIONS = ["Containers", "Images", "Volumes", "Networks", "System"] as const;

/** "-e, --env VAR=value" */
export function flagLabel(o: OptionSpec): string {
  const names = o.short ? `-${o.short}, --${o.name}` : `    --${o.name}`;
  return o.valueName ? `${names} ${o.valueName}` : names;
}

export function describeOption(o: OptionSpec): string {
  const dflt = o.default !== undefined && o.default !== false ? ` (default ${JSON.stringify(o.default)})` : "";
  const choices = o.choices ? ` [${o.choices.join(", ")}]` : "";
  return `${o.description}${choices}${dflt}`;
}

function optionLines(options: OptionSpec[]): string[] {
  const width = Math.min(44, Math.max(...options.map((o) => flagLabel(o).length)) + 2);
  return options.map((o) => {
    const label = flagLabel(o);
    return label.length + 2 > width ? `  ${label}\n  ${"".padEnd(width)}${describeOption(o)}` : `  ${label.padEnd(width)}${describeOption(o)}`;
  });
}

function commandLines(commands: CommandSpec[], strip = ""): string[] {
  const width = Math.max(...commands.map((c) => c.name.length - strip.length)) + 3;
  return commands.map((c) => `  ${c.name.slice(strip.length).padEnd(width)}${c.description}`);
}

export function mainHelp(): string {
  const visible = COMMANDS.filter((c) => !c.hidden);
  const out = ["skiff: a daemonless container manager", "", "Usage:", "  skiff [global options] COMMAND [options] [ARGS...]", ""];
  for (const s of SECTIONS) {
    out.push(`${s}:`, ...commandLines(visible.filter((c) => c.section === s)), "");
  }
  out.push("Global options:", ...optionLines(GLOBAL_OPTIONS), "", "Run 'skiff COMMAND --help' for more about a command.");
  return `${out.join("\n")}\n`;
}

export function groupHelp(group: string): string {
  const subs = subcommandsOf(group).filter((c) => !c.hidden);
  const own = subs.filter((c) => c.name.startsWith(`${group} `));
  const aliased = subs.filter((c) => !c.name.startsWith(`${group} `));
  const lines = [
    ...commandLines(own, `${group} `),
    ...aliased.map((c) => `  ${c.aliases!.find((a) => a.startsWith(`${group} `))!.slice(group.length + 1).padEnd(12)}same as 'skiff ${c.name}'`),
  ];
  return `Usage:\n  skiff ${group} COMMAND\n\nCommands:\n${lines.join("\n")}\n`;
}

export function commandHelp(c: CommandSpec): string {
  const out = [c.description, "", "Usage:", `  skiff ${usageLine(c)}`];
  if (c.aliases?.length) out.push("", "Aliases:", `  ${c.aliases.map((a) => `skiff ${a}`).join(", ")}`);
  if (c.options?.length) out.push("", "Options:", ...optionLines(c.options));
  if (c.examples?.length) out.push("", "Examples:", ...c.examples.map((e) => `  ${e}`));
  out.push("", "Global options: see 'skiff --help'.");
  if (!c.handler) out.push("", "Status: not implemented yet.");
  return `${out.join("\n")}\n`;
}
