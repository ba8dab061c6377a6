/**
 * Container lifecycle without a daemon: every command reads the container's state, checks its
 * shim is alive (a dead shim or a reboot means the container is gone), repairs what a crash
 * left, and changes state under the container's lock.
 */
import { containerEvent } from "../events/log.js";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { userMountMarker } from "./rootfs.js";
import { SkiffError } from "../errors.js";
import { parseConfig, type ImageConfig } from "../image/manifest.js";
import { readBlob } from "../image/store/blobs.js";
import { killArgs, pauseArgs, runRuntime } from "../runtime/runc.js";
import { getSys, type Sys } from "../sys/index.js";
import { withLock } from "../util/lock.js";
import { prepareBundle } from "./bundle.js";
import { releaseContainer, rememberedExitCode, removeContainerFiles, sweepNetworks } from "./cleanup.js";
import { foregroundArgv, outputFifos, runtimeFiles, runtimeOf } from "./runtime.js";
import { bootId, expectsShim, procStartTime, shimAlive } from "./liveness.js";
import { bundleDir, containerLock, type ContainerPaths } from "./paths.js";
import type { ContainerRecord, ContainerState } from "./record.js";
import { spawnShim, spawnShimAfterRuntime, type SpawnedShim } from "./shim-client.js";
import { canLaunchAfterRuntime } from "../shim/launch.js";
import { parseSignal, signalName } from "./signals.js";
import { readRecord, readState, writeState } from "./store.js";

/** Exit code reported for a container whose shim died or whose host rebooted: killed (128+9). */
const LOST_EXIT_CODE = 137;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The state as it really is: "running" with a dead shim is exited. Reads only. */
export function observedState(p: ContainerPaths, id: string): ContainerState {
  const s = readState(p, id);
  if (expectsShim(s) && !shimAlive(s)) {
    return { ...s, status: "exited", pid: undefined, exitCode: s.exitCode ?? LOST_EXIT_CODE, finishedAt: s.finishedAt ?? new Date().toISOString(), error: s.bootId === bootId() ? "the container's shim died" : undefined };
  }
  return s;
}

function lockOf<T>(p: ContainerPaths, rec: ContainerRecord, fn: () => Promise<T> | T): Promise<T> {
  return withLock(containerLock(p, rec.id), { what: `container ${rec.name}` }, fn);
}

/** Under the lock: a container whose shim died is released and recorded as exited. */
async function repairLocked(p: ContainerPaths, rec: ContainerRecord, sys: Sys): Promise<ContainerState> {
  const s = readState(p, rec.id);
  if (!expectsShim(s) || shimAlive(s)) return s;
  const fixed = observedState(p, rec.id);
  await releaseContainer(p, rec, sys);
  writeState(p, rec.id, fixed);
  return fixed;
}

/** Freezes (or thaws) every process of the container through the runtime. */
export async function pauseInRuntime(p: ContainerPaths, rec: ContainerRecord, pause: boolean): Promise<void> {
  const rt = runtimeOf(p, rec);
  const log = join(bundleDir(p, rec.id), "runtime-pause.log");
  await runRuntime(rt, pauseArgs(rt, log, rec.id, pause), log, `${pause ? "pause" : "unpause"} container ${rec.name}`);
}

export interface StartResult { pid?: number; shimPid: number }

/**
 * Whether the runtime can start before the shim (launchShimAfterRuntime): the shim then adopts it
 * rather than spawning it, and its start-up overlaps the container's. Not for a terminal (the
 * runtime needs the shim's pty first), stdin (it is a pipe from the shim), or a detached container
 * (its shim is a subreaper before `runc create`, see shim/created.ts).
 */
export function runtimeFirst(options: { tty: boolean; interactive: boolean }, attachWait: boolean, sys: Sys): boolean {
  return attachWait && !options.tty && !options.interactive && sys.supports.subreaper && canLaunchAfterRuntime();
}

/**
 * Mounts the rootfs, writes the bundle and starts the shim (`shim`: one started already). With
 * `attachWait` the shim holds the output for the first attach client (and a terminal waits for its
 * GO); otherwise this returns once the container runs (or throws the runtime's error with exit
 * code 126/127/125).
 */
export async function startContainer(p: ContainerPaths, rec: ContainerRecord, sys: Sys, opts: { attachWait: boolean; shim?: SpawnedShim }): Promise<StartResult> {
  let shim = opts.shim ?? (runtimeFirst(rec.options, opts.attachWait, sys) ? undefined : await spawnShim());
  try {
    // with no shim yet, the runtime and then the shim start once the bundle is ready
    const obtain = async () => (shim ??= await runtimeThenShim(p, rec, sys));
    return await startWith(p, rec, sys, obtain, opts.attachWait);
  } catch (err) {
    shim?.abort();
    // a shim that died before it reported may leave a runtime started before it: stopped now,
    // and the container recorded as exited, rather than left to the next command
    await lockOf(p, rec, () => repairLocked(p, rec, sys)).catch(() => undefined);
    throw err;
  }
}

async function runtimeThenShim(p: ContainerPaths, rec: ContainerRecord, sys: Sys): Promise<SpawnedShim> {
  const fifos = outputFifos(p, rec.id);
  for (const f of fifos) {
    rmSync(f, { force: true });
    sys.mknod(f, "fifo", 0o600);
  }
  rmSync(runtimeFiles(p, rec.id).pidFile, { force: true });
  return spawnShimAfterRuntime(foregroundArgv(p, rec), fifos);
}

async function startWith(p: ContainerPaths, rec: ContainerRecord, sys: Sys, obtainShim: () => Promise<SpawnedShim>, attachWait: boolean): Promise<StartResult> {
  const image = imageConfigOf(p, rec);
  // the last run's shim may still be cleaning up (runtime delete, unmount, network teardown), or
  // waiting to restart the container: let it finish (or restart it) rather than race it
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(10)) {
    const s = readState(p, rec.id);
    if (expectsShim(s) || !shimAlive(s)) break;
  }
  // attachments a killed shim left behind (never this container's: it is not running)
  await sweepNetworks(p, (id) => id !== rec.id && shimAlive(readState(p, id)));
  const first = await lockOf(p, rec, async () => {
    // removed while this start waited for the lock: nothing may be mounted or attached for it
    if (!readRecord(p, rec.id)) throw new SkiffError("NOT_FOUND", `no container with name or ID "${rec.name}" found: no such container`);
    const s = await repairLocked(p, rec, sys);
    if (expectsShim(s)) throw new SkiffError("FAILED_PRECONDITION", `container ${rec.name} is already running`);
    mkdirSync(bundleDir(p, rec.id), { recursive: true, mode: 0o700 });
    await prepareBundle(p, rec, image, sys);
    const shim = await obtainShim();
    // told at once: a shim started after its runtime must not be left without its container
    // (wrapped: awaiting the answer here would hold the lock the shim needs to record the start)
    const answer = shim.assign(p, rec.id, attachWait);
    // recorded before the lock is released, so a concurrent start sees a live shim
    writeState(p, rec.id, { ...s, status: "running", shimPid: shim.pid, shimStart: await startTimeOf(shim.pid), bootId: bootId(), stoppedByUser: false, error: undefined });
    return { answer, shimPid: shim.pid };
  });
  const msg = await first.answer;
  if (msg.error) {
    throw new SkiffError("FAILED_PRECONDITION", msg.error, { exitCode: msg.code ?? 125 });
  }
  containerEvent(p.root, rec, "start");
  return { pid: msg.pid, shimPid: first.shimPid };
}

/** The container's image config, read straight from its blob (no listing of every image). */
export function imageConfigOf(p: ContainerPaths, rec: ContainerRecord): ImageConfig {
  let data: Buffer;
  try {
    data = readBlob(p, rec.image.id, "config");
  } catch {
    throw new SkiffError("NOT_FOUND", `container ${rec.name}: image ${rec.image.id.slice(7, 19)} is no longer in the store`, { hint: "pull the image again" });
  }
  return parseConfig(data, `config ${rec.image.id}`, rec.image.chainIds.length);
}

/** The start time of a just-spawned process (it may take a moment to appear in /proc). */
async function startTimeOf(pid: number): Promise<number | undefined> {
  for (let i = 0; i < 100; i++) {
    const t = procStartTime(pid);
    if (t !== undefined) return t;
    await sleep(2);
  }
  return undefined;
}

/** Waits until the shim is gone (the container exited and everything was recorded). */
export async function waitForShim(p: ContainerPaths, id: string, timeoutMs = Infinity): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    if (!readRecord(p, id)) return true;
    const s = readState(p, id);
    if (!expectsShim(s) || !shimAlive(s)) return true;
    if (Date.now() > deadline) return false;
    await sleep(delay);
  }
}

export async function signalContainer(p: ContainerPaths, rec: ContainerRecord, signal: string, byUser = true): Promise<void> {
  const num = parseSignal(signal);
  const s = observedState(p, rec.id);
  if (!expectsShim(s)) throw new SkiffError("FAILED_PRECONDITION", `can only kill running containers. ${rec.id.slice(0, 12)} is in state ${s.status}`);
  if (byUser) await lockOf(p, rec, () => writeState(p, rec.id, { ...readState(p, rec.id), stoppedByUser: true }));
  if (byUser) containerEvent(p.root, rec, "kill", { Attributes: { signal: String(num) } });
  const rt = runtimeOf(p, rec);
  const logFile = join(bundleDir(p, rec.id), "runtime-kill.log");
  await runRuntime(rt, killArgs(rt, logFile, rec.id, signalName(num).replace(/^SIG/, "")), logFile, `kill container ${rec.name}`).catch((err) => {
    // exited meanwhile: nothing to signal
    if (expectsShim(observedState(p, rec.id))) throw err;
  });
}

/**
 * The stop signal, then SIGKILL after `timeout` seconds; returns once the shim recorded the exit
 * and the container's root is released (as podman's stop cleans up: a script that stops a
 * container finds its rootfs unmounted; the shim, doing the same meanwhile, may not be there yet).
 * Between restarts (exited, shim alive) it waits for the shim to either give up (the flag set
 * here forbids another restart) or start the container, which it then stops.
 */
export async function stopContainer(p: ContainerPaths, rec: ContainerRecord, timeout: number): Promise<void> {
  await signalsToStop(p, rec, timeout);
  const s = readState(p, rec.id);
  if (readRecord(p, rec.id) && !expectsShim(s)) {
    const sys = await getSys();
    await lockOf(p, rec, () => releaseContainer(p, rec, sys, true)).catch(() => undefined);
  }
}

async function signalsToStop(p: ContainerPaths, rec: ContainerRecord, timeout: number): Promise<void> {
  const live = await lockOf(p, rec, () => {
    const s = readState(p, rec.id);
    if (!shimAlive(s)) return false;
    writeState(p, rec.id, { ...s, status: s.status === "running" ? "stopping" : s.status, stoppedByUser: true });
    return true;
  });
  if (!live) return;
  for (;;) {
    const s = readState(p, rec.id);
    if (!shimAlive(s)) return;
    if (expectsShim(s)) break;
    await sleep(20);
  }
  // stoppedByUser is recorded above: the signals need not write it again
  containerEvent(p.root, rec, "stop");
  await signalContainer(p, rec, rec.options.stopSignal, false);
  if (await waitForShim(p, rec.id, timeout * 1000)) return;
  await signalContainer(p, rec, "KILL", false).catch(() => undefined);
  await waitForShim(p, rec.id, 30_000);
}

export async function removeContainer(p: ContainerPaths, rec: ContainerRecord, sys: Sys, opts: { force: boolean; volumes: boolean; timeout?: number }): Promise<void> {
  // a start racing this removal may make the container run after it was killed: kill it again
  for (let attempt = 0; ; attempt++) {
    const s = observedState(p, rec.id);
    if (expectsShim(s)) {
      if (!opts.force) {
        throw new SkiffError("FAILED_PRECONDITION", `cannot remove container ${rec.id.slice(0, 12)} as it is ${s.status} - running or paused containers cannot be removed without force: container state improper`, { exitCode: 2 });
      }
      if (opts.timeout && attempt === 0) await stopContainer(p, rec, opts.timeout);
      else await killUntilGone(p, rec, 30_000);
    }
    const removed = await lockOf(p, rec, async () => {
      const final = await repairLocked(p, rec, sys);
      if (expectsShim(final) && shimAlive(final)) return false;
      rmSync(userMountMarker(p, rec.id), { force: true }); // a removed container is unmounted too
      await releaseContainer(p, rec, sys);
      await removeContainerFiles(p, rec, opts.volumes, final.exitCode);
      containerEvent(p.root, rec, "remove");
      return true;
    });
    if (removed) return;
    if (!opts.force || attempt >= 10) throw new SkiffError("FAILED_PRECONDITION", `container ${rec.name} did not stop`);
  }
}

/** SIGKILL until the shim is gone: a start in progress may not have a runtime container to signal yet. */
async function killUntilGone(p: ContainerPaths, rec: ContainerRecord, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    await signalContainer(p, rec, "KILL", true).catch(() => undefined);
    if (await waitForShim(p, rec.id, 1000)) return true;
  }
  return false;
}

/** Waits for the container to exit; its exit code (also after it was removed by --rm). */
export async function waitContainer(p: ContainerPaths, rec: ContainerRecord): Promise<number> {
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    if (!readRecord(p, rec.id)) {
      const code = rememberedExitCode(p, rec.id);
      if (code !== undefined) return code;
      throw new SkiffError("NOT_FOUND", `container ${rec.name} was removed`);
    }
    const s = observedState(p, rec.id);
    if (s.status === "exited") return s.exitCode ?? 0;
    if (s.status === "created") throw new SkiffError("FAILED_PRECONDITION", `container ${rec.name} has not been started`);
    await sleep(delay);
  }
}
