/** A comparable description of a directory tree: one line per entry with everything that matters. */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";

function xattrs(path: string): string {
  try {
    const out = execFileSync("getfattr", ["-h", "--absolute-names", "-d", "-m", "-", "-e", "hex", path], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return out.split("\n").filter((l) => l && !l.startsWith("#")).sort().join(",");
  } catch {
    return "";
  }
}

export interface DescribeOptions { mtimes?: boolean; xattrs?: boolean }

/** "path type mode uid:gid size/target/dev hash mtime xattrs", sorted by path. */
export function describeTree(root: string, opts: DescribeOptions = { mtimes: true, xattrs: true }): string[] {
  const lines: string[] = [];
  const walk = (rel: string) => {
    const p = join(root, rel);
    const st = lstatSync(p);
    const mode = (st.mode & 0o7777).toString(8);
    let kind: string, detail = "";
    if (st.isSymbolicLink()) { kind = "symlink"; detail = readlinkSync(p); }
    else if (st.isDirectory()) kind = "dir";
    else if (st.isFile()) { kind = "file"; detail = `${st.size} ${createHash("sha256").update(readFileSync(p)).digest("hex").slice(0, 16)} nlink=${st.nlink > 1 ? "n" : "1"}`; }
    else if (st.isCharacterDevice()) { kind = "char"; detail = `dev=${st.rdev}`; }
    else if (st.isBlockDevice()) { kind = "block"; detail = `dev=${st.rdev}`; }
    else if (st.isFIFO()) kind = "fifo";
    else kind = "other";
    const mtime = opts.mtimes && kind !== "symlink" ? ` mtime=${Math.floor(st.mtimeMs / 1000)}` : "";
    const x = opts.xattrs ? ` ${xattrs(p)}` : "";
    if (rel !== "") lines.push(`${rel} ${kind} ${kind === "symlink" ? "" : mode} ${st.uid}:${st.gid} ${detail}${mtime}${x}`.trimEnd());
    if (st.isDirectory()) for (const c of readdirSync(p).sort()) walk(rel ? `${rel}/${c}` : c);
  };
  walk("");
  return lines;
}
