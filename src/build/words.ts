/**
 * The builder's own shell-like word processing, where Docker applies it (ENV, LABEL, COPY, ADD,
 * WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, FROM, ARG): words split on unquoted blanks, quotes
 * removed, the escape character taken literally, `$VAR`/`${VAR}` expanded with the modifiers
 * `:-` `-` `:+` `+` `#` `##` `%` `%%`. Pure.
 */
import { SkiffError } from "../errors.js";
import { compileGlob } from "./glob.js";

export type Lookup = (name: string) => string | undefined;

/** Splits on unquoted, unescaped blanks; quotes and escapes stay in the words (processed later). */
export function splitRaw(text: string, escape = "\\"): string[] {
  const out: string[] = [];
  let cur = "", quote = "", inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      cur += c;
      if (c === escape && quote === '"' && i + 1 < text.length) cur += text[++i];
      else if (c === quote) quote = "";
      continue;
    }
    if (c === escape && i + 1 < text.length) {
      cur += c + text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      if (c === '"' || c === "'") quote = c;
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

function modify(name: string, op: string, word: string, lookup: Lookup): string {
  const v = lookup(name);
  switch (op) {
    case ":-": return v ? v : word;
    case "-": return v !== undefined ? v : word;
    case ":+": return v ? word : "";
    case "+": return v !== undefined ? word : "";
    case "##": case "#": {
      const s = v ?? "";
      const match = compileGlob(word, { globstar: false, anyChar: true });
      // the shortest matching prefix for #, the longest for ##
      if (op === "#") { for (let i = 0; i <= s.length; i++) if (match(s.slice(0, i))) return s.slice(i); }
      else for (let i = s.length; i >= 0; i--) if (match(s.slice(0, i))) return s.slice(i);
      return s;
    }
    case "%%": case "%": {
      const s = v ?? "";
      const match = compileGlob(word, { globstar: false, anyChar: true });
      if (op === "%") { for (let i = s.length; i >= 0; i--) if (match(s.slice(i))) return s.slice(0, i); }
      else for (let i = 0; i <= s.length; i++) if (match(s.slice(i))) return s.slice(0, i);
      return s;
    }
    default: return v ?? "";
  }
}

/** `${...}` starting at text[i] === "$", text[i+1] === "{": the expansion and the index after "}". */
function braced(text: string, i: number, lookup: Lookup, escape: string): [string, number] {
  let depth = 1, j = i + 2;
  for (; j < text.length && depth > 0; j++) {
    if (text[j] === escape) { j++; continue; }
    if (text[j] === "{") depth++;
    else if (text[j] === "}") depth--;
  }
  if (depth > 0) throw new SkiffError("INVALID_ARGUMENT", `missing '}' in ${text.slice(i, i + 80)}`);
  const inner = text.slice(i + 2, j - 1);
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(:-|:\+|-|\+|##|#|%%|%)?([\s\S]*)$/.exec(inner);
  if (!m) throw new SkiffError("INVALID_ARGUMENT", `bad substitution: \${${inner.slice(0, 80)}}`);
  if (!m[2]) {
    if (m[3]) throw new SkiffError("INVALID_ARGUMENT", `bad substitution: \${${inner.slice(0, 80)}}`);
    return [lookup(m[1]) ?? "", j];
  }
  return [modify(m[1], m[2], processWord(m[3], lookup, escape), lookup), j];
}

/** A `$` at text[i]: the expansion and the index after it (a lone `$` stays). */
function dollar(text: string, i: number, lookup: Lookup, escape: string): [string, number] {
  if (text[i + 1] === "{") return braced(text, i, lookup, escape);
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
  if (!m) return ["$", i + 1];
  return [lookup(m[0]) ?? "", i + 1 + m[0].length];
}

/** One word: quotes removed, escapes taken literally, variables expanded (not inside '…'). */
export function processWord(word: string, lookup: Lookup, escape = "\\"): string {
  let out = "";
  let quote = "";
  for (let i = 0; i < word.length;) {
    const c = word[i];
    if (quote === "'") {
      if (c === "'") quote = "";
      else out += c;
      i++;
      continue;
    }
    if (c === escape && i + 1 < word.length) {
      const next = word[i + 1];
      // inside double quotes only ", $, the escape itself (and a newline) are escaped
      if (quote === '"' && !['"', "$", escape].includes(next)) out += c;
      out += next;
      i += 2;
      continue;
    }
    if (c === "$") {
      const [v, j] = dollar(word, i, lookup, escape);
      out += v;
      i = j;
      continue;
    }
    if (!quote && (c === '"' || c === "'")) { quote = c; i++; continue; }
    if (quote === '"' && c === '"') { quote = ""; i++; continue; }
    out += c;
    i++;
  }
  return out;
}

/** Words of `text`, each processed (COPY sources, VOLUME paths, EXPOSE ports). */
export function processWords(text: string, lookup: Lookup, escape = "\\"): string[] {
  return splitRaw(text, escape).map((w) => processWord(w, lookup, escape));
}

/** Expansion only, quotes kept (a heredoc body with an unquoted delimiter). */
export function expandOnly(text: string, lookup: Lookup, escape = "\\"): string {
  let out = "";
  for (let i = 0; i < text.length;) {
    if (text[i] === escape && text[i + 1] === "$") { out += "$"; i += 2; continue; }
    if (text[i] === "$") {
      const [v, j] = dollar(text, i, lookup, escape);
      out += v;
      i = j;
      continue;
    }
    out += text[i++];
  }
  return out;
}

/**
 * `KEY=VALUE …` pairs of ENV, LABEL and ARG (each value processed against one snapshot of the
 * variables), or the legacy `KEY VALUE` form: the rest of the line is the value.
 */
export function keyValuePairs(text: string, lookup: Lookup, escape = "\\", legacy = true): [string, string][] {
  const words = splitRaw(text, escape);
  if (words.length === 0) return [];
  if (legacy && !words[0].includes("=")) {
    const key = words[0];
    const value = text.trim().slice(key.length).trim();
    return [[key, processWord(value.includes('"') || value.includes("'") ? value : value, lookup, escape)]];
  }
  return words.map((w) => {
    const eq = w.indexOf("=");
    if (eq <= 0) return [processWord(w, lookup, escape), undefined as unknown as string];
    return [processWord(w.slice(0, eq), lookup, escape), processWord(w.slice(eq + 1), lookup, escape)];
  });
}
