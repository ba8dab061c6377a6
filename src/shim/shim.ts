/**
 * The per-container shim: `skiff __shim`, started detached (own session) by the CLI, which then
 * names the container (and the store) on its stdin. It is the parent of a foreground `runc run`: runc forwards
 * signals and exits with the container's status, the shim owns the container's stdio (k8s-file log,
 * attach clients), records start and exit atomically, applies the restart policy, and at the end
 * unmounts the rootfs and applies --rm. It loads only what it needs: it lives as long as the
 * container, and its memory is the price of every running container.
 */
import { containerEvent } from "../events/log.js";
import { appendFileSync, existsSync, readFileSync, readSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../errors.js";
import { startFailureExitCode } from "../runtime/errors.js";
import { createArgs, deleteArgs, startArgs, takeRuntimeError } from "../runtime/runc.js";
import { dropCodePagesFrom } from "../sys/code-pages.js";
import { getSys } from "../sys/index.js";
import { acquireLock } from "../util/lock.js";
import { writeFileAtomic } from "../util/atomic.js";
import { foregroundArgv, runtimeFiles, runtimeOf } from "../container/runtime.js";
import { bootId, procStartTime } from "../container/liveness.js";
import { attachSocket, bundleDir, containerLock, type ContainerPaths } from "../container/paths.js";
import { restartDelay, shouldRestart } from "../container/policy.js";
import type { ContainerState } from "../container/record.js";
import { readRecord, readState, writeState } from "../container/store.js";
import { spawnPiped, spawnTerminal, type RuntimeChild } from "./child.js";
import { openLogWriter, type LogWriter } from "./logwriter.js";
import { FRAME, type SyncMessage } from "./protocol.js";
import { attachServer } from "./attach-server.js";
import { createdSupported, spawnCreated } from "./created.js";
import { adoptRuntime } from "./adopted.js";
import { makeStdioPipes } from "./pipes.js";
import { startHealthLoop, type HealthLoop } from "./health.js";

interface Assignment { root: string; runroot: string; id: string; attachWait: boolean }

/**
 * The container, from one JSON line on stdin: the CLI starts the shim before the container is
 * ready, so a blocking read is all there is to do meanwhile. Nothing (EOF): the CLI gave up.
 */
function readAssignment(): Assignment | undefined {
  const buf = Buffer.alloc(4096);
  let text = "";
  for (;;) {
    let n = 0;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (err) {
      if (errnoCode(err) === "EAGAIN") continue;
      return undefined;
    }
    if (n === 0) return undefined;
    text += buf.toString("utf8", 0, n);
    if (text.includes("\n")) return JSON.parse(text.slice(0, text.indexOf("\n"))) as Assignment;
  }
}

/** The shim's own failures go to shim.log in the bundle (its stderr is not kept). */
function logFailuresTo(path: string): void {
  const record = (err: unknown) => {
    try {
      appendFileSync(path, `${new Date().toISOString()} ${err instanceof Error ? err.stack : String(err)}\n`);
    } catch { /* nowhere left to report */ }
    process.exit(1);
  };
  process.on("uncaughtException", record);
  process.on("unhandledRejection", record);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `p`, or nothing after `ms`; the timer does not outlive the wait (it would keep the shim alive). */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

let queue: Promise<unknown> = Promise.resolve();

/** State changes of this shim happen in the order they were asked for, each under the container lock. */
function updateState(p: ContainerPaths, id: string, change: (s: ContainerState) => ContainerState): Promise<ContainerState> {
  const next = queue.then(() => lockedUpdate(p, id, change));
  queue = next.catch(() => undefined);
  return next;
}

async function lockedUpdate(p: ContainerPaths, id: string, change: (s: ContainerState) => ContainerState): Promise<ContainerState> {
  const lock = await acquireLock(containerLock(p, id), { what: `container ${id.slice(0, 12)}` });
  try {
    const next = change(readState(p, id));
    writeState(p, id, next);
    return next;
  } finally {
    lock.release();
  }
}

interface RunResult { code: number; started: boolean; error?: string }

const loadCleanup = () => import("../container/cleanup.js");

/** `runtimePid`: the runtime was launched before the shim and is its child already (launch.ts). */
export async function shimMain(runtimePid?: number): Promise<number> {
  const assigned = readAssignment();
  if (!assigned) return 0;
  try {
    return await supervise(assigned, runtimePid);
  } catch (err) {
    // the CLI may still be waiting for a first word: a reason beats "the shim exited"
    try {
      writeSync(1, `${JSON.stringify({ error: `shim: ${err instanceof Error ? err.message : String(err)}`, code: 125 } satisfies SyncMessage)}\n`);
    } catch { /* nobody listening */ }
    throw err;
  }
}

async function supervise(assigned: Assignment, runtimePid?: number): Promise<number> {
  const { id, attachWait } = assigned;
  const p: ContainerPaths = { root: assigned.root, runroot: assigned.runroot };
  logFailuresTo(join(bundleDir(p, id), "shim.log"));
  const rec = readRecord(p, id);
  if (!rec) throw new Error(`container ${id} not found`);
  const rt = runtimeOf(p, rec);
  const bundle = bundleDir(p, id);
  const log: LogWriter | undefined = rec.options.log.driver === "none" ? undefined : openLogWriter(rec.logPath, rec.options.log.maxSize, rec.options.log.maxFile);
  let synced = false;
  const sync = (msg: SyncMessage) => {
    if (synced) return;
    if (!msg.ready) synced = true;
    try {
      writeSync(1, `${JSON.stringify(msg)}\n`);
    } catch { /* the CLI is gone: nobody to tell */ }
  };
  let runtimeChild: RuntimeChild | undefined;
  let size: { rows: number; cols: number } | undefined;
  const earlyStdin: (Buffer | null)[] = [];
  let go: () => void = () => undefined;
  const goSignal = new Promise<void>((resolve) => (go = resolve));
  const server = attachServer(attachSocket(p, id), attachWait, {
    onGo: () => go(),
    // input that arrives before the runtime runs waits for it
    onStdin: (b) => (runtimeChild ? runtimeChild.writeStdin(b) : earlyStdin.push(b)),
    onStdinEof: () => (runtimeChild ? runtimeChild.endStdin() : earlyStdin.push(null)),
    onSignal: (sig) => runtimeChild?.kill(sig),
    onResize: (rows, cols) => {
      size = { rows, cols };
      runtimeChild?.resize(rows, cols);
    },
  });
  // the socket, the pid file (for service managers: generate systemd's PIDFile=) and "ready" for
  // the client come up while the runtime starts: output is held for the first client anyway
  const announced = server.listening.then(() => {
    writeFileAtomic(join(bundle, "shim.pid"), `${process.pid}\n`, 0o644, false);
    if (rec.options.conmonPidfile) writeFileAtomic(rec.options.conmonPidfile, `${process.pid}\n`, 0o644, false);
    if (attachWait) sync({ ready: true });
  });
  announced.catch((err: Error) => {
    sync({ error: `shim: cannot serve attach clients: ${err.message}`, code: 125 });
    runtimeChild?.kill("KILL");
  });
  // a terminal must have the client's size before the container starts: wait for its GO (a
  // minute at most)
  if (attachWait && rec.options.tty) {
    await announced;
    await within(goSignal, 60_000);
  }

  const self = { shimPid: process.pid, shimStart: procStartTime(process.pid), bootId: bootId() };
  // detached, without a terminal or stdin: no runtime process has to stay (see created.ts). FFI
  // is loaded only then before the container starts: an attached start waits for nothing extra
  const sys = !attachWait && !rec.options.tty && !rec.options.interactive ? await getSys() : undefined;
  let runs = 0;
  let adopt = runtimePid;
  // loaded at the end: a shim spends its life waiting, and every module loaded costs every
  // container memory; but as soon as it runs for a client waiting on its end (or --rm, likely short)
  let cleanup: ReturnType<typeof loadCleanup> | undefined;
  const cleanupModules = () => (cleanup ??= loadCleanup());
  let health: HealthLoop | undefined;
  // --health-on-failure: the shim acts itself (restart: whatever the restart policy says)
  let healthRestart = false;
  const onUnhealthy = (action: "kill" | "stop" | "restart") => {
    const child = runtimeChild;
    if (!child) return;
    if (action === "restart") healthRestart = true;
    if (action === "stop") {
      const sig = rec.options.stopSignal || "SIGTERM";
      void updateState(p, id, (s) => ({ ...s, stoppedByUser: true })).then(() => {
        child.kill(sig.startsWith("SIG") ? sig : `SIG${sig}`);
        setTimeout(() => child.kill("SIGKILL"), rec.options.stopTimeout * 1000).unref?.();
      });
      return;
    }
    child.kill("SIGKILL");
  };
  // a restart is counted once the container runs again: counted before, `inspect` would show the
  // new count with the old exit for as long as the runtime takes to start
  const runOnce = async (restart: boolean): Promise<RunResult> => {
    const { pidFile, logFile } = runtimeFiles(p, id);
    if (!adopt) rmSync(pidFile, { force: true });
    let started = false;
    const pending: [number, Buffer][] = [];
    const emit = (type: number, chunk: Buffer) => {
      log?.write(type === FRAME.STDOUT ? "stdout" : "stderr", chunk);
      server.broadcast(type, chunk);
    };
    const markStarted = () => {
      if (started) return true;
      let pid = 0;
      try {
        pid = Number(readFileSync(pidFile, "utf8"));
      } catch (err) {
        if (errnoCode(err) !== "ENOENT") throw err;
      }
      if (!pid) return false;
      started = true;
      if (attachWait || rec.options.autoRemove) void cleanupModules();
      // the start is recorded by then: the start-up code's pages go back (sys/code-pages.ts), and
      // every minute what the shim's waiting faulted in since
      dropCodePagesFrom(2000, 60_000);
      if (rec.options.health) health = startHealthLoop(p, rec, rec.options.health, new Date(), onUnhealthy, sys);
      void updateState(p, id, (s) => ({ ...s, ...self, restartCount: s.restartCount + (restart ? 1 : 0), status: s.status === "stopping" ? "stopping" : "running", pid, startedAt: new Date().toISOString(), finishedAt: undefined, exitCode: undefined, error: undefined }))
        // a failed listen was reported already (announced.catch above)
        .then(() => announced.then(() => sync({ pid }), () => undefined));
      for (const [type, chunk] of pending.splice(0)) emit(type, chunk);
      return true;
    };
    // before the pid file exists only the runtime itself can write (its own error): hold it back
    const onData = (type: number) => (chunk: Buffer) => (markStarted() ? emit(type, chunk) : pending.push([type, chunk]));
    const argv = foregroundArgv(p, rec, rt);
    const io = { onStdout: onData(FRAME.STDOUT), onStderr: onData(FRAME.STDERR) };
    const viaCreate = sys !== undefined && createdSupported(sys, runs++);
    const createdPid = join(bundle, "pid.created");
    if (viaCreate) rmSync(createdPid, { force: true });
    const adopted = adopt;
    adopt = undefined;
    const child = adopted
      ? adoptRuntime(adopted, io, getSys())
      : rec.options.tty
      ? await spawnTerminal(argv, io)
      : viaCreate
        ? spawnCreated({ create: [rt.path, ...createArgs(rt, logFile, bundle, createdPid, id)], start: [rt.path, ...startArgs(rt, logFile, id)], delete: [rt.path, ...deleteArgs(rt, logFile, id, true)] }, join(rt.stateRoot, id), createdPid, pidFile, makeStdioPipes(bundle, false, sys!), io, sys!)
        : await spawnPiped(argv, makeStdioPipes(bundle, rec.options.interactive, sys ?? (await getSys())), io);
    runtimeChild = child;
    if (size) child.resize(size.rows, size.cols);
    for (const b of earlyStdin.splice(0)) (b ? child.writeStdin(b) : child.endStdin());
    // until the runtime writes the pid file; then nothing more to wait for (a shim should sleep)
    const poll = setInterval(() => markStarted() && clearInterval(poll), 5);
    const status = await child.exited;
    health?.stop();
    health = undefined;
    clearInterval(poll);
    markStarted();
    runtimeChild = undefined;
    const error = takeRuntimeError(logFile);
    if (!started) return { code: error ? startFailureExitCode(error) : status || 125, started, error: error ?? `the runtime exited with ${status} before the container started` };
    return { code: status, started, error: status !== 0 && error ? error : undefined };
  };

  let result: RunResult;
  let consecutive = 0;
  for (let restart = false; ; restart = true) {
    const began = Date.now();
    result = await runOnce(restart);
    const finishedAt = new Date().toISOString();
    const state = await updateState(p, id, (s) => ({ ...s, status: "exited", pid: undefined, exitCode: result.code, finishedAt, error: result.error }));
    if (result.started) containerEvent(p.root, rec, "died", { ContainerExitCode: result.code });
    sync(result.started ? { pid: 0 } : { error: result.error, code: result.code });
    const forHealth = healthRestart || existsSync(join(bundle, "health-restart"));
    healthRestart = false;
    rmSync(join(bundle, "health-restart"), { force: true });
    if (!result.started || !(forHealth || shouldRestart(rec.options.restart, result.code, state.restartCount, state.stoppedByUser))) break;
    consecutive = Date.now() - began > 10_000 ? 0 : consecutive + 1;
    await sleep(restartDelay(consecutive));
    if (readState(p, id).stoppedByUser) break;
    containerEvent(p.root, rec, "restart");
  }
  log?.close();
  const { releaseContainer, releaseNamespaces, removeContainerFiles } = await cleanupModules();
  await releaseContainer(p, rec, sys ?? (await getSys()), true).catch(() => undefined);
  containerEvent(p.root, rec, "cleanup");
  const purge = rec.options.autoRemove ? await removeContainerFiles(p, rec, true, result.code, true).catch(() => undefined) : undefined;
  if (purge) containerEvent(p.root, rec, "remove");
  // the client that asked to attach gets the exit code even if the container was faster than it;
  // and only after its GO is read: closing a unix socket with unread input resets the connection,
  // which the client sees as a failed connect (ECONNRESET) when it comes that fast
  if (attachWait) {
    await within(server.firstClient, 60_000);
    await within(goSignal, 5_000);
  }
  server.broadcast(FRAME.EXIT, JSON.stringify({ code: result.code, error: result.error }));
  await server.close();
  // after the exit was reported: the plugins' teardown (iptables) is slow, and nobody waits on it;
  // nor on deleting a removed container's files (what a killed shim leaves, sweepStore finishes)
  await releaseNamespaces(p, rec);
  try {
    purge?.();
  } catch { /* swept later */ }
  return 0;
}
