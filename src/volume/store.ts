/**
 * Named volumes: a directory under --root/volumes/<name>/_data and its metadata (volume.json),
 * created on first use. A volume outlives the containers that use it unless it is anonymous and
 * removed with `rm -v` / `--rm`.
 */
import { emitEvent } from "../events/log.js";
import { byText } from "../util/compare.js";
import { randomHex } from "../util/crypto.js";
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isValidName } from "../util/name-rules.js";
import { SkiffError, errnoCode } from "../errors.js";
import { writeFileAtomic } from "../util/atomic.js";

export interface VolumeRecord {
  Name: string; Driver: "local"; Mountpoint: string; CreatedAt: string; Labels: Record<string, string>; Options: Record<string, string>; Anonymous: boolean;
  /** Until a container first mounts it over a path of its image, which is then copied in (podman's). */
  NeedsCopyUp?: boolean;
}

export const volumesDir = (root: string) => join(root, "volumes");

function readVolume(root: string, name: string): VolumeRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(volumesDir(root), name, "volume.json"), "utf8")) as VolumeRecord;
  } catch (err) {
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return undefined;
    throw err;
  }
}

export function findVolume(root: string, name: string): VolumeRecord | undefined {
  return isValidName(name) ? readVolume(root, name) : undefined;
}

export function listVolumes(root: string): VolumeRecord[] {
  let names: string[] = [];
  try {
    names = readdirSync(volumesDir(root));
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith(".")).map((n) => readVolume(root, n)).filter((v): v is VolumeRecord => Boolean(v)).sort((a, b) => byText(a.Name, b.Name));
}

/**
 * Creates the volume (a hidden directory renamed into place, so a half-made one is never seen);
 * returns the existing one when `existingOk` and the name is taken.
 */
export function createVolume(root: string, name: string | undefined, opts: { labels?: Record<string, string>; existingOk?: boolean; options?: Record<string, string>; copyUp?: boolean } = {}): VolumeRecord {
  const anonymous = name === undefined;
  const n = name ?? randomHex(32);
  if (!isValidName(n)) throw new SkiffError("INVALID_ARGUMENT", `invalid volume name "${n.slice(0, 64)}${n.length > 64 ? "…" : ""}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]* and have at most 200 characters`);
  const existing = readVolume(root, n);
  if (existing) {
    if (opts.existingOk) return existing;
    throw new SkiffError("ALREADY_EXISTS", `volume with name ${n} already exists`);
  }
  const dir = join(volumesDir(root), n);
  const tmp = join(volumesDir(root), `.new-${n}-${process.pid}`);
  const rec: VolumeRecord = { Name: n, Driver: "local", Mountpoint: join(dir, "_data"), CreatedAt: new Date().toISOString(), Labels: opts.labels ?? {}, Options: opts.options ?? {}, Anonymous: anonymous, NeedsCopyUp: opts.copyUp ?? true };
  mkdirSync(join(tmp, "_data"), { recursive: true, mode: 0o755 });
  writeFileAtomic(join(tmp, "volume.json"), `${JSON.stringify(rec, null, 1)}\n`);
  try {
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    const now = readVolume(root, n);
    if (now && opts.existingOk) return now; // created by a concurrent command
    if (now) throw new SkiffError("ALREADY_EXISTS", `volume with name ${n} already exists`);
    throw err;
  }
  emitEvent(root, { Name: rec.Name, Status: "create", Type: "volume", Attributes: null });
  return rec;
}

/** Records that a volume's first mount copied its image's content in (under the volume's lock). */
export function markCopiedUp(root: string, name: string): void {
  const v = readVolume(root, name);
  if (!v) return;
  writeFileAtomic(join(volumesDir(root), name, "volume.json"), `${JSON.stringify({ ...v, NeedsCopyUp: false }, null, 1)}\n`);
}

export function removeVolume(root: string, name: string): void {
  emitEvent(root, { Name: name, Status: "remove", Type: "volume", Attributes: null });
  const dir = join(volumesDir(root), name);
  const trash = join(volumesDir(root), `.rm-${name}-${process.pid}`);
  renameSync(dir, trash);
  rmSync(trash, { recursive: true, force: true });
}
