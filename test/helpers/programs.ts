/**
 * Which programs the tests and benchmarks run, found in their source (pure): the literal first
 * argument of spawn/execFile calls, the commands of shell scripts passed to `bash -c` or skShell,
 * and in bench/*.sh the programs `need` declares and the commands hyperfine times.
 */

/** Words that stand where a command does but run no program from a package. */
const SHELL_WORDS = new Set([
  "source", ".", "echo", "printf", "cd", "set", "export", "if", "then", "else", "elif", "fi", "for", "do", "done",
  "while", "until", "case", "esac", "in", "local", "return", "exit", "trap", "test", "[", "[[", "true", "false",
  "read", "shift", "wait", "eval", "exec", "command", ":", "!", "{", "}", "(", ")", "ulimit", "umask", "kill",
  "type", "unset", "declare", "let", "time",
]);

const SPAWN = /\b(?:spawn|spawnSync|execFile|execFileSync|execSync)\(\s*["'`]([A-Za-z0-9_.+/-]+)["'`]/g;
// a shell script given to bash -c, sh -c or skShell: a string or template literal without nesting
const SHELL_ARG = /(?:["'](?:ba)?sh["'],\s*\[\s*["']-e?c["'],\s*|skShell\([^,]+,\s*)(`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/g;

/** The command words of a shell script (heuristic: first word of each simple command). */
export function commandsInShell(script: string): string[] {
  const flat = script.replace(/\$\{[^}]*\}/g, "X").replace(/\\\n/g, " ");
  const out: string[] = [];
  for (const part of flat.split(/\|\||&&|[|;&\n`]|\$\(|\(/)) {
    const words = part.trim().split(/\s+/).filter(Boolean);
    let i = 0;
    while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i])) i++;
    const word = words[i];
    if (!word || /^[$'"\\<>0-9{-]/.test(word) || word.includes("=")) continue;
    // a leading "_" names a shell function (a sourced completion's _skiff), never a packaged program
    if (SHELL_WORDS.has(word) || !/^[A-Za-z0-9./+-][A-Za-z0-9_./+-]*$/.test(word)) continue;
    out.push(word);
  }
  return out;
}

// a program named by its path in a constant
const PROGRAM_PATH = /=\s*"(\/(?:usr\/)?s?bin\/[A-Za-z0-9_.+-]+)"/g;
// where a test names programs as data (a table of shells, skiff's --runtime), it says so in a
// comment: "programs:" and the names
const DECLARED = /\/\/\s*programs:\s*([^\n]+)/g;

export function programsInTypeScript(source: string): string[] {
  const found = [SPAWN, PROGRAM_PATH].flatMap((re) => [...source.matchAll(re)].map((m) => m[m.length - 1]));
  for (const m of source.matchAll(DECLARED)) found.push(...m[1].trim().split(/\s+/));
  for (const m of source.matchAll(SHELL_ARG)) found.push(...commandsInShell(m[1].slice(1, -1)));
  return unique(found);
}

/** bench/*.sh: `need` lines and the commands hyperfine times (its quoted arguments). */
export function programsInBenchScript(script: string): string[] {
  const found: string[] = [];
  for (const line of script.split("\n")) {
    const need = /^\s*need\s+(.*)$/.exec(line);
    if (need) found.push(...need[1].split(/\s+/).filter(Boolean));
    if (!/^\s*(?:hyperfine\b|")/.test(line)) continue;
    for (const q of line.matchAll(/"([^"]*)"/g)) {
      const word = q[1].trim().split(/\s+/)[0];
      if (word && !/^[-$]/.test(word)) found.push(word);
    }
  }
  // dist/ is skiff itself; node_modules/ comes from npm ci
  return unique(found.filter((p) => !/^(dist|node_modules)\//.test(p) && !SHELL_WORDS.has(p)));
}

/** Package names from a list file: the first word of each line that is not a comment. */
export function packageList(text: string, opts: { bench?: boolean } = {}): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const [name, tag] = line.trim().split(/\s+/);
    if (!name || name.startsWith("#")) continue;
    if (tag === "bench" && !opts.bench) continue;
    names.add(name.replace(/:[a-z0-9]+$/, ""));
  }
  return names;
}

export interface ProgramUse { program: string; where: string; bench: boolean }

/**
 * The uses whose program no package provides on a new machine or through setup.sh: a program
 * not found at all (no package), or one whose package is in neither list.
 */
export function unprovided(
  uses: ProgramUse[],
  packageOf: Map<string, string | undefined>,
  lists: { newMachine: Set<string>; setup: Set<string>; setupBench: Set<string> },
): string[] {
  const problems: string[] = [];
  for (const u of uses) {
    const pkg = packageOf.get(u.program);
    if (pkg === undefined) {
      problems.push(`${u.where} runs ${u.program}, which is not installed here: add its Debian package to scripts/packages.txt`);
      continue;
    }
    if (pkg === "" || lists.newMachine.has(pkg) || lists.setup.has(pkg) || (u.bench && lists.setupBench.has(pkg))) continue;
    problems.push(`${u.where} runs ${u.program} from package ${pkg}, which neither a new machine nor scripts/packages.txt${u.bench ? " (bench)" : ""} provides`);
  }
  return problems;
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
