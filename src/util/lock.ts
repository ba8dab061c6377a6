/**
 * Per-resource locks between skiff processes (there is no daemon to serialise them). flock(2) where
 * the runtime has FFI: the kernel releases it when the holder dies, so a killed command never
 * leaves a stale lock. Node has no flock: there an O_EXCL pid file stands in, and a lock whose
 * process is gone is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import { SkiffError, errnoCode } from "../errors.js";
import { getSys } from "../sys/index.js";
import type { Sys } from "../sys/types.js";

export interface Lock {
  release(): void;
}

export interface LockOptions {
  /** What is locked, for the message when waiting times out ("image store index"). */
  what: string;
  timeoutMs?: number;
  shared?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function timeout(what: string, path: string): never {
  throw new SkiffError("UNAVAILABLE", `${what} is locked by another skiff process`, { hint: `lock file ${path}` });
}

async function pidFileLock(path: string, opts: LockOptions): Promise<Lock> {
  const file = `${path}.pid`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60000);
  for (;;) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(file, { force: true }) };
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw err;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(file, "utf8"));
    } catch { /* released meanwhile */ }
    if (holder && !existsSync(`/proc/${holder}`)) rmSync(file, { force: true });
    if (Date.now() > deadline) timeout(opts.what, file);
    await sleep(20);
  }
}

/** flock(2) on `fd` (the file at `path`), retried until it is taken or timeoutMs (default 60 s) passed. */
async function flockWaiting(sys: Sys, fd: number, path: string, opts: LockOptions): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60000);
  const op = opts.shared ? "shared" : "exclusive";
  while (!sys.flock(fd, op, false)) {
    if (Date.now() > deadline) timeout(opts.what, path);
    await sleep(20);
  }
}

/** Takes the lock at `path` (created if needed), waiting up to timeoutMs (default 60 s). */
export async function acquireLock(path: string, opts: LockOptions): Promise<Lock> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const sys = await getSys();
  if (!sys.supports.flock) return pidFileLock(path, opts);
  const fd = openSync(path, "a", 0o600);
  try {
    await flockWaiting(sys, fd, path, opts);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      closeSync(fd); // closing the last fd drops the flock
    },
  };
}

export async function withLock<T>(path: string, opts: LockOptions, fn: () => Promise<T> | T): Promise<T> {
  const lock = await acquireLock(path, opts);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** A lock taken again and again by one long-lived process (a shim's health probes). */
export interface KeptLock {
  with<T>(opts: LockOptions, fn: () => Promise<T> | T): Promise<T>;
  close(): void;
}

/**
 * The lock at `path` with its file kept open: each take is one flock(2), not a mkdir, an open and
 * a close (a shim checking every second takes it 86,400 times a day). Where there is no flock,
 * each take is withLock's.
 */
export function keptLock(path: string): KeptLock {
  let fd: number | undefined;
  return {
    async with(opts, fn) {
      const sys = await getSys();
      if (!sys.supports.flock) return withLock(path, opts, fn);
      if (fd === undefined) {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        fd = openSync(path, "a", 0o600);
      }
      await flockWaiting(sys, fd, path, opts);
      try {
        return await fn();
      } finally {
        sys.flock(fd, "unlock", false);
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
