/**
 * .containerignore / .dockerignore, with Docker's rules (moby/patternmatcher): one pattern per
 * line, `#` comments, blank lines skipped, paths cleaned and a leading `/` dropped, `*` and `?`
 * within one path component, `**` across any number of them, `!` re-includes, the last matching
 * line wins, and a pattern that matches a directory matches everything under it. Pure.
 */
import { compileGlob } from "./glob.js";

export interface IgnorePattern { negate: boolean; match: (path: string) => boolean; text: string; dirs: number }

/** A path cleaned as Go's filepath.Clean does, relative, with "/" separators ("" for the root). */
export function cleanPath(p: string): string {
  const out: string[] = [];
  for (const c of p.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") out.pop();
    else out.push(c);
  }
  return out.join("/");
}

export function parseIgnoreFile(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    let negate = false;
    if (line.startsWith("!")) {
      negate = true;
      line = line.slice(1).trim();
    }
    const cleaned = cleanPath(line);
    if (cleaned === "") continue;
    out.push({ negate, match: compileGlob(cleaned, { globstar: true }), text: cleaned, dirs: cleaned.split("/").length });
  }
  return out;
}

/** Whether `path` (relative to the context, cleaned) is excluded. */
export function isIgnored(patterns: IgnorePattern[], path: string): boolean {
  const parts = path.split("/");
  let ignored = false;
  for (const p of patterns) {
    let hit = p.match(path);
    // a pattern matching a parent directory matches its contents
    for (let i = 1; !hit && i < parts.length; i++) hit = p.match(parts.slice(0, i).join("/"));
    if (hit) ignored = !p.negate;
  }
  return ignored;
}

/** Whether some `!` pattern could re-include something under the excluded directory `dir`. */
export function mayReinclude(patterns: IgnorePattern[], dir: string): boolean {
  return patterns.some((p) => p.negate && (p.text.startsWith(`${dir}/`) || p.text.includes("*") || p.text.includes("?") || p.text.includes("[")));
}
