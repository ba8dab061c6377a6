/**
 * Shell completion scripts for bash, zsh and fish, generated from the command table. The build
 * writes them to completions/ and `skiff completion SHELL` prints the same text.
 */
import { COMMANDS, GLOBAL_OPTIONS, GROUPS, subcommandWords, type CommandSpec, type OptionSpec } from "../table/index.js";
import { shellQuote } from "../../util/shell-quote.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const HEADER = "generated from skiff's command table by build.ts; do not edit";

const visible = () => COMMANDS.filter((c) => !c.hidden);
const namesOf = (c: CommandSpec) => [c.name, ...(c.aliases ?? [])];
const flagWords = (opts: OptionSpec[]) => opts.flatMap((o) => [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])]);
const valueFlags = (opts: OptionSpec[]) => flagWords(opts.filter((o) => o.type !== "boolean"));

/** First words a user types: top-level commands, aliases and group names. */
function topWords(): string[] {
  return [...new Set(visible().flatMap(namesOf).map((n) => n.split(" ")[0]))].sort();
}

function bash(): string {
  const groups = [...GROUPS].sort();
  const cases = visible().map((c) => {
    const opts = c.options ?? [];
    const choiceCases = opts.filter((o) => o.choices).map((o) => `${flagWords([o]).join("|")}) COMPREPLY=($(compgen -W ${shellQuote(o.choices!.join(" "))} -- "$cur")); return ;;`);
    const fileCases = opts.filter((o) => o.complete).map((o) => `${flagWords([o]).join("|")}) COMPREPLY=($(compgen -${o.complete === "dir" ? "d" : "f"} -- "$cur")); return ;;`);
    return [
      `    ${namesOf(c).map((n) => shellQuote(n)).join("|")})`,
      `      vflags=${shellQuote(valueFlags([...opts, ...GLOBAL_OPTIONS]).join(" "))}`,
      `      flags=${shellQuote(flagWords(opts).join(" "))}`,
      ...(choiceCases.length + fileCases.length ? [`      case "$prev" in ${[...choiceCases, ...fileCases].join(" ")} esac`] : []),
      "      ;;",
    ].join("\n");
  });
  const globalChoices = GLOBAL_OPTIONS.filter((o) => o.choices).map((o) => `    --${o.name}) COMPREPLY=($(compgen -W ${shellQuote(o.choices!.join(" "))} -- "$cur")); return ;;`);
  return `# bash completion for skiff (${HEADER})
_skiff() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local gvflags=${shellQuote(valueFlags(GLOBAL_OPTIONS).join(" "))}
  local groups=${shellQuote(groups.join(" "))}
  local cmd="" i w skip=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if [[ -n "$skip" ]]; then skip=""; continue; fi
    if [[ "$w" == -* ]]; then [[ " $gvflags " == *" $w "* ]] && skip=1; continue; fi
    if [[ -z "$cmd" ]]; then cmd="$w"; [[ " $groups " == *" $w "* ]] || break
    else cmd="$cmd $w"; break; fi
  done
  case "$prev" in
${globalChoices.join("\n")}
    --root|--runroot) COMPREPLY=($(compgen -d -- "$cur")); return ;;
  esac
  if [[ -z "$cmd" ]]; then
    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${shellQuote(flagWords(GLOBAL_OPTIONS).join(" "))} -- "$cur"))
    else COMPREPLY=($(compgen -W ${shellQuote(topWords().join(" "))} -- "$cur")); fi
    return
  fi
  case "$cmd" in
${groups.map((g) => `    ${shellQuote(g)}) COMPREPLY=($(compgen -W ${shellQuote(subcommandWords(g).join(" "))} -- "$cur")); return ;;`).join("\n")}
  esac
  local flags="" vflags=""
  case "$cmd" in
${cases.join("\n")}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$flags ${flagWords(GLOBAL_OPTIONS).join(" ")}" -- "$cur"))
  else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -F _skiff skiff
`;
}

function zsh(): string {
  const describe = (words: [string, string][]) => words.map(([w, d]) => shellQuote(`${w.replace(/:/g, "\\:")}:${d}`)).join(" ");
  const top: [string, string][] = topWords().map((w) => [w, visible().find((c) => namesOf(c).includes(w))?.description ?? `${w} commands`]);
  const groupCases = [...GROUPS].sort().map((g) => {
    const subs: [string, string][] = subcommandWords(g).map((s) => [s, visible().find((c) => namesOf(c).includes(`${g} ${s}`))!.description]);
    return `    ${shellQuote(g)}) local -a subs=(${describe(subs)}); _describe command subs; return ;;`;
  });
  const flagCases = visible().map((c) => `    ${namesOf(c).map(shellQuote).join("|")}) flags=(${flagWords(c.options ?? []).map(shellQuote).join(" ")}) ;;`);
  return `#compdef skiff
# zsh completion for skiff (${HEADER})
_skiff() {
  local -a gvflags=(${valueFlags(GLOBAL_OPTIONS).map(shellQuote).join(" ")})
  local -a groups=(${[...GROUPS].sort().map(shellQuote).join(" ")})
  local cmd="" i w skip=""
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    if [[ -n "$skip" ]]; then skip=""; continue; fi
    if [[ "$w" == -* ]]; then (( \${gvflags[(I)$w]} )) && skip=1; continue; fi
    if [[ -z "$cmd" ]]; then cmd="$w"; (( \${groups[(I)$w]} )) || break
    else cmd="$cmd $w"; break; fi
  done
  if [[ -z "$cmd" ]]; then
    if [[ "\${words[CURRENT]}" == -* ]]; then compadd -- ${flagWords(GLOBAL_OPTIONS).join(" ")}
    else local -a cmds=(${describe(top)}); _describe command cmds; fi
    return
  fi
  case "$cmd" in
${groupCases.join("\n")}
  esac
  local -a flags=()
  case "$cmd" in
${flagCases.join("\n")}
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then compadd -- $flags ${flagWords(GLOBAL_OPTIONS).join(" ")}; else _files; fi
}
compdef _skiff skiff
`;
}

function fish(): string {
  const lines = [`# fish completion for skiff (${HEADER})`, "complete -c skiff -f"];
  const d = (s: string) => shellQuote(s);
  for (const o of GLOBAL_OPTIONS) {
    lines.push(`complete -c skiff -l ${o.name}${o.short ? ` -s ${o.short}` : ""}${o.type !== "boolean" ? " -r" : ""}${o.choices ? ` -a ${shellQuote(o.choices.join(" "))}` : ""} -d ${d(o.description)}`);
  }
  const tops = topWords();
  for (const w of tops) {
    const c = visible().find((x) => namesOf(x).includes(w));
    lines.push(`complete -c skiff -n '__fish_use_subcommand' -a ${w} -d ${d(c?.description ?? `${w} commands`)}`);
  }
  for (const g of [...GROUPS].sort()) {
    const subs = subcommandWords(g);
    for (const s of subs) {
      const c = visible().find((x) => namesOf(x).includes(`${g} ${s}`))!;
      lines.push(`complete -c skiff -n '__fish_seen_subcommand_from ${g}; and not __fish_seen_subcommand_from ${subs.join(" ")}' -a ${s} -d ${d(c.description)}`);
    }
  }
  for (const c of visible()) {
    const last = [...new Set(namesOf(c).map((n) => n.split(" ").pop()!))].join(" ");
    for (const o of c.options ?? []) {
      const value = o.type !== "boolean" ? (o.complete ? " -r -F" : " -r") : "";
      lines.push(`complete -c skiff -n '__fish_seen_subcommand_from ${last}' -l ${o.name}${o.short ? ` -s ${o.short}` : ""}${value}${o.choices ? ` -a ${shellQuote(o.choices.join(" "))}` : ""} -d ${d(o.description)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function completionScript(shell: Shell): string {
  return shell === "bash" ? bash() : shell === "zsh" ? zsh() : fish();
}
