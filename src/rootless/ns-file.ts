/**
 * Namespaces made by a short-lived or pausing process (util-linux's unshare and nsenter: a
 * JavaScript runtime cannot unshare or setns into a user namespace itself), and kept as files:
 * bind mounts of /proc/PID/ns/KIND, removed with a lazy unmount.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

export interface HolderErrors {
  /** The program could not be started. */
  cannotRun(): Error;
  /** It started but did not make the namespaces in time (or died). */
  didNotMake(): Error;
}

/**
 * Starts `argv` (a launcher that makes namespaces `kinds`, then execs the program after its last
 * "--") detached, and resolves to its pid once that program runs in namespaces other than ours.
 */
export async function spawnHolder(argv: string[], kinds: string[], errors: HolderErrors): Promise<number> {
  const program = basename(argv[argv.lastIndexOf("--") + 1]);
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: "ignore" });
  const failed = new Promise<never>((_, reject) => child.on("error", () => reject(errors.cannotRun())));
  child.unref();
  const pid = child.pid;
  const ours = kinds.map((k) => readlinkSync(`/proc/self/ns/${k}`));
  for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
    await Promise.race([new Promise((r) => setTimeout(r, 5)), failed]);
    if (!pid) continue;
    try {
      if (basename(readlinkSync(`/proc/${pid}/exe`)) === program && kinds.every((k, i) => readlinkSync(`/proc/${pid}/ns/${k}`) !== ours[i])) return pid;
    } catch {
      break; // it died
    }
  }
  if (pid) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  throw errors.didNotMake();
}

/** The namespace `kind` of process `pid`, kept at `path`; the mount's error text when it cannot be. */
export function bindNsFile(pid: number, kind: string, path: string): string | undefined {
  mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
  removeNsFile(path);
  writeFileSync(path, "");
  const r = spawnSync("mount", ["--bind", `/proc/${pid}/ns/${kind}`, path], { encoding: "utf8" });
  return r.status === 0 ? undefined : (r.stderr || String(r.error)).trim();
}

export function removeNsFile(path: string): void {
  spawnSync("umount", ["-l", path], { stdio: "ignore" });
  rmSync(path, { force: true });
}
