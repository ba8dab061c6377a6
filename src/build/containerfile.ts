/**
 * Containerfile text → instructions, as Docker's parser reads it: parser directives (`escape`),
 * comments, line continuations (comment and empty lines inside one are dropped), heredocs on RUN,
 * COPY and ADD, leading `--flag=value` options, JSON (exec) form. Pure; errors name file and line.
 */
import { SkiffError } from "../errors.js";

export interface Heredoc {
  /** The delimiter word. */
  name: string;
  body: string;
  /** Unquoted delimiter: the body's $VARs are expanded (by the shell for RUN, by us for COPY). */
  expand: boolean;
}

export interface Instruction {
  /** Upper case: "RUN". */
  keyword: string;
  /** The text after the keyword and its flags (continuations joined). */
  rest: string;
  /** Leading options, `--from=x` → from: ["x"]; `--link` → link: [""]. */
  flags: Record<string, string[]>;
  /** The exec (JSON) form, when `rest` is a JSON array of strings. */
  json?: string[];
  heredocs: Heredoc[];
  /** What podman prints after "STEP n/m: ": the instruction as written, on one line. */
  original: string;
  line: number;
}

export interface Containerfile { escape: string; instructions: Instruction[]; warnings: string[] }

const FLAGGED = new Set(["FROM", "RUN", "COPY", "ADD", "HEALTHCHECK", "ONBUILD"]);
const HEREDOC_OK = new Set(["RUN", "COPY", "ADD"]);
const HEREDOC = /(\d*)<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_.-]*)\3/g;

export function parseError(file: string, line: number, message: string): SkiffError {
  return new SkiffError("INVALID_ARGUMENT", `${file}:${line}: ${message}`);
}

/** The leading parser directives; the first other line ends them. */
function directives(lines: string[], file: string): { escape: string; start: number } {
  let escape = "\\";
  const seen = new Set<string>();
  let i = 0;
  for (; i < lines.length; i++) {
    const m = /^\s*#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$/.exec(lines[i]);
    if (!m) break;
    const key = m[1].toLowerCase();
    if (!["escape", "syntax", "check"].includes(key)) break;
    if (seen.has(key)) throw parseError(file, i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === "escape") {
      if (m[2] !== "\\" && m[2] !== "`") throw parseError(file, i + 1, `invalid escape token '${m[2]}' does not match ${"`"} or \\`);
      escape = m[2];
    }
  }
  return { escape, start: i };
}

const isComment = (line: string) => /^\s*#/.test(line);

/** Splits `--name=value` options off the front of an instruction's arguments. */
export function splitFlags(text: string): { flags: Record<string, string[]>; rest: string } {
  const flags: Record<string, string[]> = {};
  let rest = text;
  for (;;) {
    const m = /^--([A-Za-z][A-Za-z0-9-]*)(?:=("(?:[^"\\]|\\.)*"|\S*))?(?:\s+|$)/.exec(rest);
    if (!m) break;
    let value = m[2] ?? "";
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    (flags[m[1].toLowerCase()] ??= []).push(value);
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

function jsonForm(rest: string): string[] | undefined {
  const t = rest.trim();
  if (!t.startsWith("[")) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  } catch { /* shell form */ }
  return undefined;
}

export function parseContainerfile(text: string, file = "Containerfile"): Containerfile {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const { escape, start } = directives(lines, file);
  const instructions: Instruction[] = [];
  const warnings: string[] = [];
  let i = start;
  while (i < lines.length) {
    const first = lines[i];
    if (first.trim() === "" || isComment(first)) {
      i++;
      continue;
    }
    const line = i + 1;
    let joined = "";
    let emptyInside = false;
    // continuation: the escape character ends the line
    for (;;) {
      const raw = lines[i++] ?? "";
      const t = raw.replace(/\s+$/, "");
      if (t.endsWith(escape) && !t.endsWith(escape + escape)) {
        joined += t.slice(0, -1);
        while (i < lines.length && (isComment(lines[i]) || lines[i].trim() === "")) {
          if (lines[i].trim() === "") emptyInside = true;
          i++;
        }
        if (i >= lines.length) break;
        continue;
      }
      joined += raw;
      break;
    }
    if (emptyInside) warnings.push(`${file}:${line}: empty continuation lines will become errors in a future release`);
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(joined);
    if (!m) continue;
    const keyword = m[1].toUpperCase();
    let args = m[2].replace(/\s+$/, "");
    let flags: Record<string, string[]> = {};
    if (FLAGGED.has(keyword)) ({ flags, rest: args } = splitFlags(args));
    const heredocs: Heredoc[] = [];
    const innerKeyword = keyword === "ONBUILD" ? args.split(/\s+/)[0]?.toUpperCase() : keyword;
    if (HEREDOC_OK.has(innerKeyword) && !jsonForm(args)) {
      for (const h of args.matchAll(HEREDOC)) {
        const strip = h[2] === "-";
        const body: string[] = [];
        for (;;) {
          if (i >= lines.length) throw parseError(file, line, `unterminated heredoc <<${h[4]}`);
          const l = lines[i++];
          if ((strip ? l.replace(/^\t+/, "") : l) === h[4]) break;
          body.push(strip ? l.replace(/^\t+/, "") : l);
        }
        heredocs.push({ name: h[4], body: body.length ? `${body.join("\n")}\n` : "", expand: h[3] === "" });
      }
    }
    const original = `${m[1]} ${Object.entries(flags).flatMap(([k, vs]) => vs.map((v) => (v === "" ? `--${k} ` : `--${k}=${v} `))).join("")}${args}`.replace(/\s+$/, "");
    instructions.push({ keyword, rest: args, flags, json: jsonForm(args), heredocs, original, line });
  }
  return { escape, instructions, warnings };
}
