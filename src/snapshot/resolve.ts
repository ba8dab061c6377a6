/**
 * Paths from an image, resolved inside a root as if the root were "/": every symlink met on the
 * way is followed with its target read relative to the root, and ".." stops at the root. Used on
 * private, fresh snapshot directories that no other process writes, so a walk with lstat is safe.
 */
import { lstatSync, readlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import { SkiffError, errnoCode } from "../errors.js";

const MAX_LINKS = 255;

/** lstat, or undefined when nothing is there. */
export function lstatMaybe(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  }
}

/** Splits an archive path into clean components, refusing ".." that would climb out. */
export function cleanComponents(name: string): string[] {
  const out: string[] = [];
  for (const c of name.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      throw new SkiffError("INVALID_ARGUMENT", `path "${name}" escapes the image root`);
    }
    out.push(c);
  }
  return out;
}

/**
 * The host path of `components` under `root`, symlinks in every component followed (and clamped
 * to the root). Components that do not exist are appended as they are. Throws on a loop or when a
 * non-directory is in the way.
 */
export function resolveInRoot(root: string, components: string[]): string {
  const resolved: string[] = [];
  const queue = [...components];
  let links = 0;
  while (queue.length > 0) {
    const c = queue.shift()!;
    if (c === "" || c === ".") continue;
    if (c === "..") { resolved.pop(); continue; }
    const candidate = join(root, ...resolved, c);
    const st = lstatMaybe(candidate);
    if (st?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new SkiffError("INVALID_ARGUMENT", `too many levels of symbolic links under ${join("/", ...components)}`);
      const target = readlinkSync(candidate);
      if (target.startsWith("/")) resolved.length = 0;
      queue.unshift(...target.split("/"));
      continue;
    }
    if (st && !st.isDirectory() && queue.some((q) => q !== "" && q !== ".")) {
      throw new SkiffError("INVALID_ARGUMENT", `${join("/", ...resolved, c)} is not a directory`);
    }
    resolved.push(c);
  }
  return join(root, ...resolved);
}

/** Resolves the parent directory and keeps the last component as it is (never followed). */
export function resolveEntryPath(root: string, components: string[]): { parent: string; base: string; path: string } {
  const base = components[components.length - 1];
  const parent = resolveInRoot(root, components.slice(0, -1));
  return { parent, base, path: join(parent, base) };
}
