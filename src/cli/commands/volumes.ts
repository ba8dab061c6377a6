/** volume create/ls/inspect/rm/prune/exists. A volume in use by a container is kept unless -f. */
import { deviceOf } from "../../volume/device.js";
import { confirm } from "../confirm.js";
import { oneLine, ExitError, SkiffError } from "../../errors.js";
import { observedState, removeContainer } from "../../container/lifecycle.js";
import { isActive } from "../../container/record.js";
import { keyValues } from "../../container/options.js";
import { listRecords } from "../../container/store.js";
import { formatInspect, formatList } from "../../output/format.js";
import { getSys } from "../../sys/index.js";
import { chownSync, closeSync, createReadStream, statSync } from "node:fs";
import { packTree } from "../../snapshot/tar/pack.js";
import { readTar } from "../../snapshot/tar/reader.js";
import { openRoot } from "../../snapshot/rooted.js";
import { writeEntriesIn } from "../../snapshot/rooted-write.js";
import { createVolume, findVolume, listVolumes, removeVolume, type VolumeRecord } from "../../volume/store.js";
import type { Context } from "../context.js";
import type { Handler } from "../table/types.js";
import { writeTar } from "./tar-output.js";
import { inspectEach } from "./inspect-each.js";
import { pathsOf } from "./container-context.js";

function usersOf(ctx: Context, name: string) {
  return listRecords(pathsOf(ctx)).filter((r) => r.mounts.some((m) => m.type === "volume" && m.name === name));
}

function matches(ctx: Context, v: VolumeRecord, filters: string[]): boolean {
  return filters.every((f) => {
    const [k, val = ""] = [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)];
    if (k === "name") return v.Name.includes(val);
    if (k === "label") return val.includes("=") ? v.Labels[val.slice(0, val.indexOf("="))] === val.slice(val.indexOf("=") + 1) : val in v.Labels;
    if (k === "dangling") return (usersOf(ctx, v.Name).length === 0) === (val === "true" || val === "1");
    throw new SkiffError("INVALID_ARGUMENT", `invalid filter "${f}"`, { hint: "use name=, label= or dangling=" });
  });
}

/**
 * -o of the local driver: o=uid=N,gid=N (who owns the volume), copy / nocopy (whether a first
 * mount copies the image's content in); type=, device= and o=OPTS name a file system to mount
 * instead (volume/device.ts), o= then being its mount options.
 */
function volumeOptions(entries: string[]): { options: Record<string, string>; uid?: number; gid?: number; copy: boolean } {
  const options = keyValues(entries, "--opt");
  let uid: number | undefined, gid: number | undefined, copy = true;
  if (deviceOf(options)) {
    for (const k of Object.keys(options)) if (!["type", "device", "o"].includes(k)) throw new SkiffError("INVALID_ARGUMENT", `invalid volume option "${k}" with type=`, { hint: "type=, device= and o= name the file system" });
    return { options, copy: false };
  }
  for (const [k, v] of Object.entries(options)) {
    if (k === "copy" || k === "nocopy") copy = k === "copy";
    else if (k === "o") {
      for (const part of v.split(",").filter(Boolean)) {
        const [name, value = ""] = part.split("=", 2);
        if ((name === "uid" || name === "gid") && /^\d+$/.test(value)) name === "uid" ? (uid = Number(value)) : (gid = Number(value));
        else throw new SkiffError("NOT_IMPLEMENTED", `volume option o=${part}: not supported yet`, { hint: "supported: o=uid=N,gid=N, copy, nocopy" });
      }
    } else throw new SkiffError("INVALID_ARGUMENT", `invalid volume option "${k}"`, { hint: "supported: o=uid=N,gid=N, copy, nocopy" });
  }
  return { options, uid, gid, copy };
}

export const volumeCreate: Handler = async ({ ctx, args, opts }) => {
  if (args[0] && opts.ignore && findVolume(ctx.root, args[0])) return `${args[0]}\n`;
  if (opts.driver !== undefined && opts.driver !== "local") throw new SkiffError("INVALID_ARGUMENT", `volume driver "${String(opts.driver)}" is not known`, { hint: "skiff has the local driver" });
  const o = volumeOptions((opts.opt as string[]) ?? []);
  const v = createVolume(ctx.root, args[0], { labels: keyValues((opts.label as string[]) ?? [], "--label"), options: o.options, copyUp: o.copy });
  if (o.uid !== undefined || o.gid !== undefined) chownSync(v.Mountpoint, o.uid ?? -1, o.gid ?? -1);
  // a volume made here is named even when the name was generated
  return `${v.Name}\n`;
};

export const volumeLs: Handler = async ({ ctx, opts }) => {
  const list = listVolumes(ctx.root).filter((v) => matches(ctx, v, (opts.filter as string[]) ?? []));
  if (opts.quiet) return list.map((v) => `${v.Name}\n`).join("");
  if (list.length === 0 && !opts.format) return ""; // podman prints no header for no volumes
  return formatList(list, { format: opts.format as string | undefined, defaultTemplate: "{{.Driver}}\t{{.Name}}", headers: { Driver: "DRIVER", Name: "VOLUME NAME" }, noHeading: Boolean(opts.noheading) });
};

export const volumeInspect: Handler = async ({ ctx, args, opts }) => {
  if (opts.all) return formatInspect(listVolumes(ctx.root).map((v) => volumeView(ctx, v)), opts.format as string | undefined);
  return inspectEach(ctx, args, (n) => {
    const v = findVolume(ctx.root, n);
    if (!v) throw new SkiffError("NOT_FOUND", `no such volume ${n}`);
    return volumeView(ctx, v);
  }, opts.format as string | undefined);
};

/** podman's volume inspect: MountCount is how many running containers have it mounted. */
export function volumeView(ctx: Context, v: VolumeRecord) {
  const p = pathsOf(ctx);
  const mounted = usersOf(ctx, v.Name).filter((r) => isActive(observedState(p, r.id).status)).length;
  const { Anonymous: _a, NeedsCopyUp, ...rest } = v;
  return { Name: rest.Name, Driver: rest.Driver, Mountpoint: rest.Mountpoint, CreatedAt: rest.CreatedAt, Labels: rest.Labels, Scope: "local", Options: rest.Options, MountCount: mounted, NeedsCopyUp: Boolean(NeedsCopyUp), NeedsChown: Boolean(NeedsCopyUp) };
};

export const volumeRm: Handler = async ({ ctx, args, opts }) => {
  const names = opts.all ? listVolumes(ctx.root).map((v) => v.Name) : args;
  if (names.length === 0) throw new SkiffError("INVALID_ARGUMENT", "give the volumes to remove, or --all");
  const sys = await getSys();
  const out: string[] = [];
  let missing = false;
  for (const n of names) {
    if (!findVolume(ctx.root, n)) {
      if (opts.force) continue; // podman's volume rm -f of a missing volume: no error
      ctx.stderr.write(`Error: no volume with name "${oneLine(n)}" found: no such volume\n`);
      missing = true;
      continue;
    }
    const users = usersOf(ctx, n);
    if (users.length && !opts.force) {
      throw new SkiffError("FAILED_PRECONDITION", `volume ${n} is being used by the following container(s): ${users.map((u) => u.id).join(", ")}: volume is being used`, { exitCode: 2 });
    }
    for (const u of users) await removeContainer(pathsOf(ctx), u, sys, { force: true, volumes: false });
    removeVolume(ctx.root, n);
    out.push(`${n}\n`);
  }
  ctx.stdout.write(out.join(""));
  if (missing) throw new ExitError(1);
};

export const volumePrune: Handler = async ({ ctx, opts }) => {
  const filters = (opts.filter as string[]) ?? [];
  const doomed = listVolumes(ctx.root).filter((v) => usersOf(ctx, v.Name).length === 0 && matches(ctx, v, filters));
  const list = doomed.map((v) => `${v.Name}\n`).join("");
  if (!opts.force && !confirm(ctx.stdout, `WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n${list.replace(/\n$/, "")}`)) return "";
  for (const v of doomed) removeVolume(ctx.root, v.Name);
  return doomed.map((v) => `${v.Name}\n`).join("");
};

export const volumeExport: Handler = async ({ ctx, args, opts }) => {
  const v = findVolume(ctx.root, args[0]);
  if (!v) throw new SkiffError("NOT_FOUND", `no volume with name "${args[0]}" found: no such volume`);
  // the volume is a container's to change while we read it: packTree walks it by fds
  await writeTar(typeof opts.output === "string" ? opts.output : undefined, (sink) => packTree(v.Mountpoint, "", sink));
};

export const volumeImport: Handler = async ({ ctx, args }) => {
  const v = findVolume(ctx.root, args[0]);
  if (!v) throw new SkiffError("NOT_FOUND", `no volume with name "${args[0]}" found: no such volume`);
  const source = args[1] === "-" ? createReadStream("", { fd: 0, autoClose: false }) : (() => {
    if (!statSync(args[1], { throwIfNoEntry: false })?.isFile()) throw new SkiffError("NOT_FOUND", `${args[1]}: no such file`);
    return createReadStream(args[1]);
  })();
  const rootFd = openRoot(v.Mountpoint);
  try {
    // written through fds inside the volume: a container using it cannot redirect the writes
    await writeEntriesIn(rootFd, "/", readTar(source), { overwrite: true, sys: await getSys() });
  } finally {
    closeSync(rootFd);
  }
};

export const volumeExists: Handler = async ({ ctx, args }) => {
  if (!findVolume(ctx.root, args[0])) throw new ExitError(1);
};
