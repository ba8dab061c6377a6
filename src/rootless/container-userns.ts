/**
 * --userns keep-id: the container's own user namespace, made before it starts and kept as a
 * bind-mounted file under the runroot, so that the network namespace made for the container
 * (pasta, slirp4netns, a bridge) can be owned by it. runc exec joins the user namespace first and
 * the others after; a network namespace owned by the rootless namespace would refuse it.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import type { IdMapping } from "./keep-id.js";
import { bindNsFile, spawnHolder } from "./ns-file.js";

export { removeNsFile } from "./ns-file.js";

export const usernsFile = (runroot: string, id: string) => join(runroot, "userns", id.slice(0, 12));

const fail = (what: string, detail: string) => new SkiffError("FAILED_PRECONDITION", `--userns keep-id: cannot make ${what}: ${detail}`, { exitCode: 126 });

/** A process that made the namespaces `kinds` (by `argv`) and sleeps; resolves once they are there. */
const holder = (argv: string[], kinds: string[]) =>
  spawnHolder(argv, kinds, { cannotRun: () => fail("a namespace", `cannot run ${argv[0]}`), didNotMake: () => fail("a namespace", `${argv.join(" ")} did not make it`) });

function bindNs(pid: number, kind: string, path: string): void {
  const error = bindNsFile(pid, kind, path);
  if (error !== undefined) throw fail(`the ${kind} namespace file`, error);
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
