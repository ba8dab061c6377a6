/**
 * `cp` both ways: the source is packed as tar entries (snapshot/tar/pack.ts) and applied at the
 * destination by the same secure code that unpacks image layers (snapshot/apply.ts), so nothing in
 * a container can make a copy write outside its target, in either direction.
 */
import { lstatSync } from "node:fs";
import { dirname, posix } from "node:path";
import { PassThrough } from "node:stream";
import { SkiffError } from "../errors.js";
import { applyLayer } from "../snapshot/apply.js";
import { resolveEntryPath, resolveInRoot } from "../snapshot/resolve.js";
import { packTree } from "../snapshot/tar/pack.js";
import { readTar, type TarEntry } from "../snapshot/tar/reader.js";
import type { Sys } from "../sys/index.js";

/** Where a copy lands: into `dest` when it is a directory, else as `dest` itself (docker cp's rules). */
export function placement(srcPath: string, destPath: string, destIsDir: boolean): { dir: string; name: string } {
  const contentsOnly = /\/\.$/.test(srcPath);
  if (destIsDir) return { dir: destPath, name: contentsOnly ? "" : posix.basename(srcPath.replace(/\/+$/, "")) || "" };
  return { dir: posix.dirname(destPath), name: posix.basename(destPath) };
}

/** Streams the tree at `hostPath` (named `name`) into an applier rooted at `root`, under `under`. */
async function transfer(hostPath: string, name: string, root: string, under: string, sys: Sys): Promise<void> {
  const pipe = new PassThrough({ highWaterMark: 1 << 20 });
  // the entries land under `under` inside `root` (resolved there with chroot semantics by apply)
  const rename = async function* (entries: AsyncIterable<TarEntry>) {
    const base = under.replace(/^\/+|\/+$/g, "");
    const at = (rel: string) => [base, rel.replace(/^\.?\/+/, "")].filter(Boolean).join("/") || ".";
    for await (const e of entries) {
      e.header.name = at(e.header.name);
      if (e.header.type === "hardlink") e.header.linkname = at(e.header.linkname);
      yield e;
    }
  };
  const packing = packTree(hostPath, name, async (chunk) => {
    if (!pipe.write(chunk)) await new Promise((r) => pipe.once("drain", r));
  }).then(() => pipe.end(), (err) => pipe.destroy(err));
  await Promise.all([applyLayer(rename(readTar(pipe)), { root, lowers: [], mode: "plain", sys }), packing]);
}

function statMaybe(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Container → host. `src` is a path inside `rootfs`; `dest` a host path. */
export async function copyOut(rootfs: string, src: string, dest: string, sys: Sys): Promise<void> {
  const comps = src.split("/").filter((c) => c && c !== ".");
  const from = comps.length ? resolveEntryPath(rootfs, comps).path : rootfs;
  if (!statMaybe(from)) throw new SkiffError("NOT_FOUND", `${src}: no such file or directory in the container`);
  const destStat = statMaybe(dest);
  if (!destStat && !statMaybe(dirname(dest))) throw new SkiffError("NOT_FOUND", `${dirname(dest)}: no such directory`);
  const { dir, name } = placement(src, dest, Boolean(destStat?.isDirectory()));
  await transfer(from, name || "", dir, "", sys);
}

/** Host → container. `dest` is a path inside `rootfs`. */
export async function copyIn(rootfs: string, src: string, dest: string, sys: Sys): Promise<void> {
  const srcStat = statMaybe(src.replace(/\/\.$/, ""));
  if (!srcStat) throw new SkiffError("NOT_FOUND", `${src}: no such file or directory`);
  const comps = dest.split("/").filter((c) => c && c !== ".");
  const resolved = comps.length ? resolveInRoot(rootfs, comps) : rootfs;
  const destStat = statMaybe(resolved);
  const parent = comps.length > 1 ? resolveInRoot(rootfs, comps.slice(0, -1)) : rootfs;
  if (!destStat && !statMaybe(parent)) throw new SkiffError("NOT_FOUND", `${posix.dirname(dest)}: no such directory in the container`);
  const { dir, name } = placement(src, `/${comps.join("/")}`, Boolean(destStat?.isDirectory()));
  await transfer(src.replace(/\/\.$/, ""), name, rootfs, dir, sys);
}
