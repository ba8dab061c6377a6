/** Container tests: an isolated skiff environment with a busybox image imported from a crafted tarball. */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { busyboxEntries } from "./image.js";
import { makeTar, type TarEntry } from "./tar.js";
import { BIN, isolatedEnv, skiff, type Result, type RunOptions } from "./skiff.js";

/** busybox plus a user "app" (1000) in group "staff" (50) as a supplementary group. */
export function appEntries(): TarEntry[] {
  return busyboxEntries().map((e) => {
    if (e.name === "etc/passwd") return { ...e, content: "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n" };
    if (e.name === "etc/group") return { ...e, content: "root:x:0:\nstaff:x:50:app\napp:x:1000:\nnogroup:x:65534:\n" };
    return e;
  });
}

/**
 * Two layers over appEntries(): the second deletes /etc/motd (a whiteout) and replaces /data
 * (opaque) by one holding data/new, both owned by 1000, plus `extra` entries of its own.
 */
export function whiteoutLayers(extra: TarEntry[] = []): TarEntry[][] {
  const base: TarEntry[] = [...appEntries(), { name: "etc/motd", content: "hi\n" }, { name: "data/", type: "dir" }, { name: "data/old", content: "stale\n" }];
  const top: TarEntry[] = [
    { name: "etc/", type: "dir" },
    { name: "etc/.wh.motd", content: "" },
    { name: "data/", type: "dir", uid: 1000, gid: 1000 },
    { name: "data/.wh..wh..opq", content: "" },
    { name: "data/new", content: "fresh\n", uid: 1000, gid: 1000 },
    ...extra,
  ];
  return [base, top];
}

/** Imports `entries` as image `name` into `env`'s store. */
export function importImage(env: NodeJS.ProcessEnv, name: string, entries: TarEntry[], changes: string[] = []): void {
  const tar = join(env.SKIFF_ROOT!, "..", `${name.replace(/\W/g, "_")}.tar`);
  writeFileSync(tar, makeTar(entries));
  const r = skiff(["import", ...changes.flatMap((c) => ["--change", c]), tar, name], { env });
  if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
}

/** A fresh environment with image "bb" (busybox + user app). */
export function containerEnv(): NodeJS.ProcessEnv {
  const env = isolatedEnv();
  importImage(env, "bb", appEntries(), ['CMD ["sh"]']);
  return env;
}

export function sk(env: NodeJS.ProcessEnv, args: string[], opts: Omit<RunOptions, "env"> = {}): Result {
  return skiff(args, { ...opts, env });
}

/** skiff with a shell pipeline around it (stdin from a file or command). */
export function skShell(env: NodeJS.ProcessEnv, script: string): Result {
  const r = spawnSync("bash", ["-c", script], { env: { ...env, SKIFF: BIN }, encoding: "utf8", timeout: 60000 });
  return { code: r.status ?? 137, stdout: r.stdout, stderr: r.stderr };
}

export function stateOf(env: NodeJS.ProcessEnv, id: string): { status: string; pid?: number; shimPid?: number; exitCode?: number; restartCount: number; bootId?: string } {
  return JSON.parse(readFileSync(join(env.SKIFF_ROOT!, "containers", id, "state.json"), "utf8"));
}

/** Mounts under this environment's runroot that are still there (a leak after rm). */
export function mountsUnder(env: NodeJS.ProcessEnv): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4]).filter((m) => m && m.startsWith(env.SKIFF_RUNROOT!));
}

/** Containers the runtime still knows in this environment. */
export function runtimeContainers(env: NodeJS.ProcessEnv): string[] {
  try {
    return readdirSync(join(env.SKIFF_RUNROOT!, "runtime"));
  } catch {
    return [];
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
}

export async function until(what: string, check: () => boolean, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function runtimeList(env: NodeJS.ProcessEnv): string {
  return execFileSync("runc", ["--root", join(env.SKIFF_RUNROOT!, "runtime"), "list", "-q"], { encoding: "utf8" });
}

/** Resident kB of the program file's mappings with `perms` (r-xp: its text, r--p: its read-only data) in process `pid`. */
export function programRss(pid: number, program: string, perms = "r-xp"): number {
  let total = 0;
  let inMapping = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) inMapping = head[1] === perms && head[2] === program;
    else if (inMapping && line.startsWith("Rss:")) total += Number(line.split(/\s+/)[1]);
  }
  return total;
}
