/**
 * Taking a stopped container apart: the runtime's leftover state, the rootfs mount, and on removal
 * its files, name and anonymous volumes. Every step is safe to repeat, so a command that finds a
 * half-cleaned container (a crash, a killed shim) simply runs it again.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { deleteArgs, runRuntime } from "../runtime/runc.js";
import { runtimeOf } from "./runtime.js";
import type { Sys } from "../sys/index.js";
import { findVolume, removeVolume } from "../volume/store.js";
import { unmountRootfs } from "./rootfs.js";
import { detachNetwork } from "../network/attach.js";
import { attachedContainers, attachmentTime, removeStaleWrites } from "../network/attachment.js";
import { attachSocket, bundleDir, type ContainerPaths } from "./paths.js";
import type { ContainerRecord } from "./record.js";
import { deleteRecord } from "./store.js";


/**
 * The runtime forgets the container (killing what is left of it), the rootfs is unmounted and,
 * unless `byShim`, the attach socket and the network go. The shim keeps both: it still has to
 * tell a client that has not connected yet how the container ended (a `run` whose container
 * was faster than its CLI), and takes them down itself after that.
 */
export async function releaseContainer(p: ContainerPaths, rec: ContainerRecord, sys: Sys, byShim = false): Promise<void> {
  // a runtime that went away (uninstalled, a --runtime that never existed) must not keep the rootfs mounted
  const rt = (() => {
    try {
      return runtimeOf(p, rec);
    } catch {
      return undefined;
    }
  })();
  if (rt && existsSync(join(rt.stateRoot, rec.id))) {
    await runRuntime(rt, deleteArgs(rt, join(bundleDir(p, rec.id), "runtime-delete.log"), rec.id, true), join(bundleDir(p, rec.id), "runtime-delete.log"), `remove container ${rec.name}`).catch(() => undefined);
  }
  // a rootfs `skiff mount` holds stays, except for a --rm container, which goes now
  unmountRootfs(p, rec, sys, rec.options.autoRemove);
  if (byShim) return;
  rmSync(attachSocket(p, rec.id), { force: true });
  await releaseNamespaces(p, rec);
}

/** What a start set up around the container: its network and (keep-id) its user namespace file. */
export async function releaseNamespaces(p: ContainerPaths, rec: ContainerRecord): Promise<void> {
  // a failed teardown keeps its record: the next start or removal sweeps it again
  await detachNetwork(p.runroot, rec.id).catch(() => undefined);
  if (rec.options.keepId || rec.options.nomap) {
    const { removeNsFile, usernsFile } = await import("../rootless/container-userns.js");
    removeNsFile(usernsFile(p.runroot, rec.id));
  }
}

/** Exit codes of removed containers, kept in the runroot so `run --rm` and `wait` can still report them. */
const exitCodeFile = (p: ContainerPaths, id: string) => join(p.runroot, "exits", id);

export function rememberedExitCode(p: ContainerPaths, id: string): number | undefined {
  try {
    return Number(readFileSync(exitCodeFile(p, id), "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Removes a released container; anonymous volumes go too with `volumes`. With `purgeLater`, the
 * container is gone for every command when this resolves, and deleting its writable layer is left
 * to the returned function (the shim of a `run --rm` reports the exit first).
 */
export async function removeContainerFiles(p: ContainerPaths, rec: ContainerRecord, volumes: boolean, exitCode?: number, purgeLater = false): Promise<() => void> {
  if (exitCode !== undefined) {
    mkdirSync(join(p.runroot, "exits"), { recursive: true, mode: 0o700 });
    writeFileAtomic(exitCodeFile(p, rec.id), String(exitCode), 0o644, false); // runroot: gone at reboot anyway
  }
  const { purge } = await deleteRecord(p, rec);
  rmSync(bundleDir(p, rec.id), { recursive: true, force: true });
  if (volumes) {
    for (const m of rec.mounts) {
      if (m.type === "volume" && m.anonymous && m.name && findVolume(p.root, m.name)) removeVolume(p.root, m.name);
    }
  }
  if (!purgeLater) purge();
  return purgeLater ? purge : () => undefined;
}

/**
 * Network attachments whose container is gone or no longer running: a shim killed between
 * reporting an exit and taking the network down leaves one. `isLive` says which containers run;
 * a recent attachment is left alone (its shim may be taking it down right now).
 */
export async function sweepNetworks(p: ContainerPaths, isLive: (id: string) => boolean): Promise<void> {
  removeStaleWrites(p.runroot);
  for (const id of attachedContainers(p.runroot)) {
    if (isLive(id) || Date.now() - attachmentTime(p.runroot, id) < 30_000) continue;
    await detachNetwork(p.runroot, id).catch(() => undefined);
  }
}
