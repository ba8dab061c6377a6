/**
 * The rootless user namespace's holder: one long-lived pause process per runroot (podman's
 * pause.pid), made by util-linux's unshare with a user and a mount namespace, the user mapped to
 * root in it and the subordinate ranges of /etc/subuid and /etc/subgid after (newuidmap and
 * newgidmap, Debian's uidmap). Every later command joins it, so the store's files keep one owner
 * mapping and overlay mounts made by one command are there for the next.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import type { Logger } from "../log.js";
import { procStartTime } from "../container/liveness.js";
import { writeFileAtomic } from "../util/atomic.js";
import { withLock } from "../util/lock.js";
import { mappingArgs, mappedCount, subordinateRanges, type IdRange } from "./subids.js";
import { userNameOf, type OuterIds } from "./userns.js";
import { spawnHolder } from "./ns-file.js";

export const pauseFile = (runroot: string) => join(runroot, "pause.pid");

/** The pause process of `runroot` if it is alive and is the one the file names (not a reused pid). */
export function livePause(runroot: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(pauseFile(runroot), "utf8");
  } catch {
    return undefined;
  }
  const [pid, start] = text.trim().split(" ").map(Number);
  return pid && procStartTime(pid) === start ? pid : undefined;
}

function ranges(file: string, user: string, id: number): IdRange[] {
  try {
    return subordinateRanges(readFileSync(file, "utf8"), user, id);
  } catch {
    return [];
  }
}

const PAUSE_PROGRAMS = ["/usr/bin/catatonit", "/usr/libexec/podman/catatonit"];

/** Starts the holder and waits until unshare has made its namespaces and exec'd the pause program. */
function startHolder(): Promise<number> {
  const pause = PAUSE_PROGRAMS.find((p) => existsSync(p));
  return spawnHolder(["unshare", "--user", "--mount", "--propagation", "private", "--", ...(pause ? [pause, "-P"] : ["sleep", "infinity"])], ["user"], {
    cannotRun: () => new SkiffError("FAILED_PRECONDITION", "cannot run unshare (util-linux) to make the rootless user namespace", { hint: "install util-linux" }),
    didNotMake: () => new SkiffError("FAILED_PRECONDITION", "unshare could not make a user namespace", {
      hint: "user namespaces may be disabled: check sysctl kernel.unprivileged_userns_clone and user.max_user_namespaces",
    }),
  });
}

/** Maps the user to root in the holder's namespace and the subordinate ranges after; warns when there are none. */
function mapIds(pid: number, ids: OuterIds, log: Logger): void {
  const user = userNameOf(ids.uid) ?? String(ids.uid);
  const uids = ranges("/etc/subuid", user, ids.uid), gids = ranges("/etc/subgid", user, ids.gid);
  if (uids.length === 0 || gids.length === 0) {
    // one ID: the user may map itself without newuidmap (setgroups denied first, as the kernel asks)
    writeFileSync(`/proc/${pid}/uid_map`, `0 ${ids.uid} 1\n`);
    writeFileSync(`/proc/${pid}/setgroups`, "deny");
    writeFileSync(`/proc/${pid}/gid_map`, `0 ${ids.gid} 1\n`);
    log.warn(`no subordinate IDs for ${user} in /etc/subuid and /etc/subgid: only your own ID is mapped, so images with files of other owners will not unpack (add a line "${user}:100000:65536" to both files, then run skiff system migrate)`);
    return;
  }
  for (const [tool, outer, list] of [["newuidmap", ids.uid, uids], ["newgidmap", ids.gid, gids]] as const) {
    const r = spawnSync(tool, [String(pid), ...mappingArgs(outer, list)], { encoding: "utf8" });
    if (r.error) throw new SkiffError("FAILED_PRECONDITION", `${tool} is not installed: it maps your subordinate IDs into the user namespace`, { hint: "install the uidmap package (apt-get install uidmap)" });
    if (r.status !== 0) throw new SkiffError("FAILED_PRECONDITION", `${tool} failed: ${(r.stderr || r.stdout).trim()}`, { hint: `check the lines for ${user} in /etc/subuid and /etc/subgid and that ${tool} is setuid root` });
  }
  log.debug(`rootless namespace ${pid}: ${mappedCount(uids)} UIDs, ${mappedCount(gids)} GIDs`);
}

/** The holder of `runroot`'s namespace, made (under a lock: concurrent first commands make one) when there is none. */
export async function ensurePause(runroot: string, ids: OuterIds, log: Logger): Promise<number> {
  const live = livePause(runroot);
  if (live) return live;
  mkdirSync(runroot, { recursive: true, mode: 0o700 });
  return withLock(join(runroot, "pause.lock"), { what: "the rootless user namespace", timeoutMs: 30000 }, async () => {
    const again = livePause(runroot);
    if (again) return again;
    const pid = await startHolder();
    try {
      mapIds(pid, ids, log);
    } catch (err) {
      try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
      throw err;
    }
    writeFileAtomic(pauseFile(runroot), `${pid} ${procStartTime(pid)}\n`, 0o600, false);
    return pid;
  });
}
