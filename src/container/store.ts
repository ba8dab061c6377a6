/**
 * The container store: definitions under --root/containers/<id>, names as files under
 * --root/container-names/<name> (one file per name, so a name is taken exactly once), state written
 * atomically. Creation and removal are ordered so a crash at any point leaves either a whole
 * container or nothing that a listing shows.
 */
import { containerEvent } from "../events/log.js";
import { byText } from "../util/compare.js";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureReserve } from "../util/reserve.js";
import { SkiffError, errnoCode } from "../errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { withLock } from "../util/lock.js";
import { containerDir, containersDir, namesDir, namesLock, recordFile, stateFile, type ContainerPaths } from "./paths.js";
import { INITIAL_STATE, type ContainerRecord, type ContainerState } from "./record.js";

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;


export function checkName(name: string): void {
  if (!NAME_RE.test(name) || name.length > 253) {
    throw new SkiffError("INVALID_ARGUMENT", `invalid container name "${name}"`, { hint: "use letters, digits, '_', '.' and '-', starting with a letter or digit" });
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw new SkiffError("INTERNAL", `cannot read ${path}: ${(err as Error).message}`);
  }
}

export function readRecord(p: ContainerPaths, id: string): ContainerRecord | undefined {
  return readJson<ContainerRecord>(recordFile(p, id));
}

export function readState(p: ContainerPaths, id: string): ContainerState {
  return readJson<ContainerState>(stateFile(p, id)) ?? { ...INITIAL_STATE };
}

/** Callers hold the container lock. */
/**
 * Atomic, not forced to disk: a state is only good until the next reboot (a "running" container of
 * an earlier boot reads as exited), and syncing it cost every start and stop two fsyncs. The
 * definition (container.json) is written durably, with the name; no state file means "created".
 */
export function writeState(p: ContainerPaths, id: string, state: ContainerState): void {
  writeFileAtomic(stateFile(p, id), `${JSON.stringify(state)}\n`, 0o644, false, true);
}

/** Every container with a complete definition, oldest first. */
export function listRecords(p: ContainerPaths): ContainerRecord[] {
  let ids: string[];
  try {
    ids = readdirSync(containersDir(p));
  } catch {
    return [];
  }
  const out: ContainerRecord[] = [];
  for (const id of ids) {
    if (id.startsWith(".")) continue;
    const rec = readRecord(p, id);
    if (rec) out.push(rec);
  }
  return out.sort((a, b) => byText(a.created, b.created) || byText(a.id, b.id));
}

/** A container by full name, full ID or unique ID prefix. */
export function findRecord(p: ContainerPaths, query: string, all = listRecords(p)): ContainerRecord | undefined {
  const byName = all.find((r) => r.name === query);
  if (byName) return byName;
  if (!/^[a-f0-9]{1,64}$/.test(query)) return undefined;
  const hits = all.filter((r) => r.id.startsWith(query));
  if (hits.length > 1) throw new SkiffError("INVALID_ARGUMENT", `container ID prefix "${query}" is ambiguous`, { hint: "give more characters" });
  return hits[0];
}

export function getRecord(p: ContainerPaths, query: string, all?: ContainerRecord[]): ContainerRecord {
  const rec = findRecord(p, query, all);
  if (!rec) throw new SkiffError("NOT_FOUND", `no container with name or ID "${query}" found: no such container`);
  return rec;
}

function nameOwner(p: ContainerPaths, name: string): string | undefined {
  try {
    return readFileSync(join(namesDir(p), name), "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * Stores a new container: definition written in a hidden directory, name taken and the directory
 * renamed into place under the names lock. A name whose container no longer exists (a crash
 * between the two steps) is free again.
 */
export async function addRecord(p: ContainerPaths, rec: ContainerRecord, replace?: (existingId: string) => Promise<void>): Promise<void> {
  checkName(rec.name);
  mkdirSync(containersDir(p), { recursive: true, mode: 0o700 });
  ensureReserve(p.root); // room for stopping containers when their logs fill the disk
  sweepStore(p);
  mkdirSync(namesDir(p), { recursive: true, mode: 0o700 });
  const tmp = join(containersDir(p), `.new-${rec.id}`);
  mkdirSync(tmp, { mode: 0o700 });
  // no state.json yet: its absence reads as the initial state (readState), one durable write less
  writeFileAtomic(join(tmp, "container.json"), `${JSON.stringify(rec, null, 1)}\n`);
  try {
    const owner = nameOwner(p, rec.name);
    if (owner && existsSync(recordFile(p, owner)) && replace) await replace(owner);
    await withLock(namesLock(p), { what: "container names" }, () => {
      const held = nameOwner(p, rec.name);
      if (held && existsSync(recordFile(p, held))) {
        throw new SkiffError("ALREADY_EXISTS", `the container name "${rec.name}" is already in use by ${held.slice(0, 12)}`, { hint: "remove that container, use --replace, or choose another name" });
      }
      writeFileAtomic(join(namesDir(p), rec.name), rec.id);
      renameSync(tmp, containerDir(p, rec.id));
    });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Removes the definition, state, logs and writable layer. The caller unmounted and stopped it.
 * Once this resolves the container is gone for every command (hidden, its name free); the files
 * are deleted by `purge`, which the caller may run later (a large writable layer takes time, and
 * sweepStore finishes what a killed purge left).
 */
export async function deleteRecord(p: ContainerPaths, rec: ContainerRecord): Promise<{ purge(): void }> {
  const trash = join(containersDir(p), `.rm-${rec.id}`);
  // the rename hides it from listings at once; the rest may take time and is safe to repeat
  try {
    renameSync(containerDir(p, rec.id), trash);
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw err;
  }
  await withLock(namesLock(p), { what: "container names" }, () => {
    if (nameOwner(p, rec.name) === rec.id) rmSync(join(namesDir(p), rec.name), { force: true });
  });
  return { purge: () => rmSync(trash, { recursive: true, force: true }) };
}

/** Renames under the names lock: the new name is taken before the old one is released. */
export async function renameRecord(p: ContainerPaths, rec: ContainerRecord, newName: string): Promise<void> {
  await renameRecordQuietly(p, rec, newName);
  containerEvent(p.root, { ...rec, name: newName }, "rename");
}

async function renameRecordQuietly(p: ContainerPaths, rec: ContainerRecord, newName: string): Promise<void> {
  checkName(newName);
  await withLock(namesLock(p), { what: "container names" }, () => {
    const held = nameOwner(p, newName);
    if (held && held !== rec.id && existsSync(recordFile(p, held))) {
      throw new SkiffError("ALREADY_EXISTS", `the container name "${newName}" is already in use by ${held.slice(0, 12)}`);
    }
    writeFileAtomic(join(namesDir(p), newName), rec.id);
    writeFileAtomic(recordFile(p, rec.id), `${JSON.stringify({ ...rec, name: newName }, null, 1)}\n`);
    if (nameOwner(p, rec.name) === rec.id) rmSync(join(namesDir(p), rec.name), { force: true });
  });
}

/** Changes a stored definition (read afresh under the names lock, which rename also takes). */
export async function updateRecord(p: ContainerPaths, id: string, change: (rec: ContainerRecord) => ContainerRecord): Promise<ContainerRecord> {
  return withLock(namesLock(p), { what: "container names" }, () => {
    const rec = readRecord(p, id);
    if (!rec) throw new SkiffError("NOT_FOUND", `no container with ID ${id.slice(0, 12)}`);
    const next = change(rec);
    writeFileAtomic(recordFile(p, id), `${JSON.stringify(next, null, 1)}\n`);
    return next;
  });
}

/** Leftovers of removals killed half way, and of creations killed more than ten minutes ago. */
export function sweepStore(p: ContainerPaths): void {
  let names: string[] = [];
  try {
    names = readdirSync(containersDir(p));
  } catch {
    return;
  }
  for (const n of names) {
    const dir = join(containersDir(p), n);
    try {
      if (n.startsWith(".rm-") || (n.startsWith(".new-") && Date.now() - statSync(dir).mtimeMs > 10 * 60_000)) {
        rmSync(dir, { recursive: true, force: true });
      }
    } catch {
      // a shim purging the same removal right now: whichever finishes, the next sweep sees the rest
    }
  }
}
