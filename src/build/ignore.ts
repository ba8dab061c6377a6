/**
 * .containerignore / .dockerignore, with Docker's rules (moby/patternmatcher): one pattern per
 * line, `#` comments, blank lines skipped, paths cleaned and a leading `/` dropped, `*` and `?`
 * within one path component, `**` across any number of them, `!` re-includes, the last matching
 * line wins, and a pattern that matches a directory matches everything under it. Pure.
 */
export interface IgnorePattern { negate: boolean; regex: RegExp; text: string; dirs: number }

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

function toRegex(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          re += "(.*/)?";
        } else re += ".*";
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) re += "\\[";
      else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith("!")) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\]\\]/g, "\\$&");
  }
  return new RegExp(`${re}$`);
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
    out.push({ negate, regex: toRegex(cleaned), text: cleaned, dirs: cleaned.split("/").length });
  }
  return out;
}

/** Whether `path` (relative to the context, cleaned) is excluded. */
export function isIgnored(patterns: IgnorePattern[], path: string): boolean {
  const parts = path.split("/");
  let ignored = false;
  for (const p of patterns) {
    let hit = p.regex.test(path);
    // a pattern matching a parent directory matches its contents
    for (let i = 1; !hit && i < parts.length; i++) hit = p.regex.test(parts.slice(0, i).join("/"));
    if (hit) ignored = !p.negate;
  }
  return ignored;
}

/** Whether some `!` pattern could re-include something under the excluded directory `dir`. */
export function mayReinclude(patterns: IgnorePattern[], dir: string): boolean {
  return patterns.some((p) => p.negate && (p.text.startsWith(`${dir}/`) || p.text.includes("*") || p.text.includes("?") || p.text.includes("[")));
}
