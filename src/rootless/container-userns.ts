/**
 * --userns keep-id: the container's own user namespace, made before it starts and kept as a
 * bind-mounted file under the runroot, so that the network namespace made for the container
 * (pasta, slirp4netns, a bridge) can be owned by it. runc exec joins the user namespace first and
 * the others after; a network namespace owned by the rootless namespace would refuse it.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import type { IdMapping } from "./keep-id.js";

export const usernsFile = (runroot: string, id: string) => join(runroot, "userns", id.slice(0, 12));

const fail = (what: string, detail: string) => new SkiffError("FAILED_PRECONDITION", `--userns keep-id: cannot make ${what}: ${detail}`, { exitCode: 126 });

/** A process that made the namespaces `kinds` (by `argv`) and sleeps; resolves once they are there. */
async function holder(argv: string[], kinds: string[]): Promise<number> {
  const child = spawn(argv[0], argv.slice(1), { stdio: "ignore", detached: true });
  child.unref();
  const pid = child.pid;
  if (!pid) throw fail("a namespace", `cannot run ${argv[0]}`);
  const ours = kinds.map((k) => readlinkSync(`/proc/self/ns/${k}`));
  for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
    try {
      if (readlinkSync(`/proc/${pid}/exe`).endsWith("/sleep") && kinds.every((k, i) => readlinkSync(`/proc/${pid}/ns/${k}`) !== ours[i])) return pid;
    } catch {
      break; // it died
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  throw fail("a namespace", `${argv.join(" ")} did not make it`);
}

function bindNs(pid: number, kind: string, path: string): void {
  mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
  removeNsFile(path);
  writeFileSync(path, "");
  const r = spawnSync("mount", ["--bind", `/proc/${pid}/ns/${kind}`, path], { encoding: "utf8" });
  if (r.status !== 0) throw fail(`the ${kind} namespace file`, (r.stderr || String(r.error)).trim());
}

const mapText = (m: IdMapping[]) => m.map((r) => `${r.containerID} ${r.hostID} ${r.size}`).join("\n") + "\n";

/** The container's user namespace at `path`, with `uids` and `gids` mapped (we are root of its parent). */
export async function makeUsernsFile(path: string, uids: IdMapping[], gids: IdMapping[]): Promise<void> {
  const pid = await holder(["unshare", "--user", "--", "sleep", "60"], ["user"]);
  try {
    writeFileSync(`/proc/${pid}/uid_map`, mapText(uids));
    writeFileSync(`/proc/${pid}/gid_map`, mapText(gids));
    bindNs(pid, "user", path);
  } catch (err) {
    throw err instanceof SkiffError ? err : fail("the user namespace", (err as Error).message);
  } finally {
    try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  }
}

/** A network namespace at `path` owned by the user namespace at `userns`, lo up. */
export async function makeNetnsIn(userns: string, path: string): Promise<void> {
  const pid = await holder(["nsenter", `--user=${userns}`, "--", "unshare", "--net", "--", "sleep", "60"], ["net"]);
  try {
    bindNs(pid, "net", path);
  } finally {
    try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  }
  const up = spawnSync("nsenter", [`--net=${path}`, "ip", "link", "set", "lo", "up"], { encoding: "utf8" });
  if (up.status !== 0) throw fail("the network namespace", (up.stderr || String(up.error)).trim());
}

export function removeNsFile(path: string): void {
  spawnSync("umount", ["-l", path], { stdio: "ignore" });
  rmSync(path, { force: true });
}
