/**
 * Glob matching for ignore files and COPY wildcards: `*` and `?` within one path component,
 * `[…]` classes (`[!…]`/`[^…]` negated), `\` escapes, and (for ignore files) `**` across
 * components and `**​/` for any number of leading directories. Matched by dynamic programming
 * over (pattern token, text position): linear in both, where a backtracking regular expression
 * takes exponential time on patterns like `**​/**​/**​/…/x` that an ignore file may hold. Pure.
 */
import { SkiffError } from "../errors.js";

type Token =
  | { kind: "lit"; ch: string }
  | { kind: "any" }
  | { kind: "class"; test: (c: string) => boolean }
  | { kind: "star" }
  | { kind: "globstar" }
  | { kind: "globstarSlash" };

function classOf(body: string, pattern: string): (c: string) => boolean {
  let negate = false;
  if (body.startsWith("!") || body.startsWith("^")) { negate = true; body = body.slice(1); }
  const ranges: [string, string][] = [];
  for (let i = 0; i < body.length; i++) {
    let lo = body[i];
    if (lo === "\\" && i + 1 < body.length) lo = body[++i];
    if (body[i + 1] === "-" && i + 2 < body.length) {
      let hi = body[i + 2];
      i += 2;
      if (hi === "\\" && i + 1 < body.length) hi = body[++i];
      if (hi < lo) throw new SkiffError("INVALID_ARGUMENT", `syntax error in pattern "${pattern.slice(0, 100)}"`);
      ranges.push([lo, hi]);
    } else ranges.push([lo, lo]);
  }
  if (ranges.length === 0) throw new SkiffError("INVALID_ARGUMENT", `syntax error in pattern "${pattern.slice(0, 100)}"`);
  return (c) => ranges.some(([a, b]) => c >= a && c <= b) !== negate;
}

function tokenize(pattern: string, globstar: boolean): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (globstar && pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") { i++; out.push({ kind: "globstarSlash" }); }
        else out.push({ kind: "globstar" });
      } else out.push({ kind: "star" });
    } else if (c === "?") out.push({ kind: "any" });
    else if (c === "\\") {
      if (i + 1 >= pattern.length) throw new SkiffError("INVALID_ARGUMENT", `syntax error in pattern "${pattern.slice(0, 100)}"`);
      out.push({ kind: "lit", ch: pattern[++i] });
    } else if (c === "[") {
      let end = i + 1;
      if (pattern[end] === "!" || pattern[end] === "^") end++;
      if (pattern[end] === "]") end++;
      while (end < pattern.length && pattern[end] !== "]") end += pattern[end] === "\\" ? 2 : 1;
      if (end >= pattern.length) throw new SkiffError("INVALID_ARGUMENT", `syntax error in pattern "${pattern.slice(0, 100)}"`);
      out.push({ kind: "class", test: classOf(pattern.slice(i + 1, end), pattern) });
      i = end;
    } else out.push({ kind: "lit", ch: c });
  }
  return out;
}

/** A matcher for the whole of a text (a path relative to the context, or one component). */
export function compileGlob(pattern: string, opts: { globstar: boolean; /** `*` and `?` match "/" too (shell patterns of ${v#…}) */ anyChar?: boolean }): (text: string) => boolean {
  const tokens = tokenize(pattern, opts.globstar);
  const sep = opts.anyChar ? "" : "/";
  return (text) => {
    const n = text.length;
    let next = new Uint8Array(n + 1);
    next[n] = 1; // no tokens left: only the end of the text matches
    for (let t = tokens.length - 1; t >= 0; t--) {
      const tok = tokens[t];
      const cur = new Uint8Array(n + 1);
      if (tok.kind === "globstarSlash") {
        // "" or anything up to and including a "/"
        let later = 0;
        for (let s = n; s >= 0; s--) {
          if (s < n && text[s] === "/" && next[s + 1]) later = 1;
          cur[s] = next[s] || later;
        }
      } else {
        for (let s = n; s >= 0; s--) {
          const c = text[s];
          switch (tok.kind) {
            case "lit": cur[s] = s < n && c === tok.ch ? next[s + 1] : 0; break;
            case "any": cur[s] = s < n && c !== sep ? next[s + 1] : 0; break;
            case "class": cur[s] = s < n && c !== sep && tok.test(c) ? next[s + 1] : 0; break;
            case "star": cur[s] = next[s] || (s < n && c !== sep ? cur[s + 1] : 0); break;
            case "globstar": cur[s] = next[s] || (s < n ? cur[s + 1] : 0); break;
          }
        }
      }
      next = cur;
    }
    return next[0] === 1;
  };
}
