/** Building the same Containerfile with podman and skiff and comparing what each image holds. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describeTree } from "./tree.js";
import type { Tool } from "./podman.js";

/** A context directory from a map of relative paths to contents ("->target" makes a symlink). */
export function makeContext(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "skiff-ctx-"));
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    if (rel.endsWith("/")) { mkdirSync(path, { recursive: true }); continue; }
    mkdirSync(dirname(path), { recursive: true });
    if (content.startsWith("->")) symlinkSync(content.slice(2), path);
    else writeFileSync(path, content);
  }
  return dir;
}

/** The image's config fields a build sets (podman's identity label aside). */
export function configOf(run: Tool, image: string): Record<string, unknown> {
  const r = run(["image", "inspect", image, "--format", "{{json .Config}}"]);
  if (r.code !== 0) throw new Error(`inspect ${image}: ${r.stderr}`);
  const c = JSON.parse(r.stdout) as Record<string, unknown>;
  const labels = { ...(c.Labels as Record<string, string> | undefined) };
  delete labels["io.buildah.version"];
  const out: Record<string, unknown> = {};
  for (const k of ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes", "StopSignal"]) if (c[k] !== undefined && c[k] !== null && c[k] !== "") out[k] = c[k];
  if (Object.keys(labels).length) out.Labels = labels;
  return out;
}

/** Paths the runtimes make in every container, not the image's (podman also links /etc/mtab). */
const RUNTIME = /^(proc|sys|dev|run\/\.containerenv|etc\/(hosts|hostname|resolv\.conf|mtab))( |\/|$)/;

/** The image's flattened file system, entry by entry (mtimes aside: the two builds ran at other times). */
export function treeOf(run: Tool, image: string, opts: { mtimes?: boolean } = {}): string[] {
  const m = run(["image", "mount", image]);
  if (m.code !== 0) throw new Error(`image mount ${image}: ${m.stderr}`);
  try {
    return describeTree(m.stdout.trim(), { mtimes: opts.mtimes ?? false, xattrs: true }).filter((l) => !RUNTIME.test(l));
  } finally {
    run(["image", "unmount", image]);
  }
}
