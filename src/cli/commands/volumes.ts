/** volume create/ls/inspect/rm/prune/exists. A volume in use by a container is kept unless -f. */
import { confirm } from "../confirm.js";
import { oneLine, ExitError, SkiffError } from "../../errors.js";
import { observedState, removeContainer } from "../../container/lifecycle.js";
import { isActive } from "../../container/record.js";
import { keyValues } from "../../container/options.js";
import { listRecords } from "../../container/store.js";
import { formatInspect, formatList, formatObject, toJson } from "../../output/format.js";
import { getSys } from "../../sys/index.js";
import { createVolume, findVolume, listVolumes, removeVolume, type VolumeRecord } from "../../volume/store.js";
import type { Context } from "../context.js";
import type { Handler } from "../table/types.js";
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

export const volumeCreate: Handler = async ({ ctx, args, opts }) => {
  if (args[0] && opts.ignore && findVolume(ctx.root, args[0])) return `${args[0]}\n`;
  const v = createVolume(ctx.root, args[0], { labels: keyValues((opts.label as string[]) ?? [], "--label") });
  // a volume made here is named even when the name was generated
  return `${v.Name}\n`;
};

export const volumeLs: Handler = async ({ ctx, opts }) => {
  const list = listVolumes(ctx.root).filter((v) => matches(ctx, v, (opts.filter as string[]) ?? []));
  if (opts.quiet) return list.map((v) => `${v.Name}\n`).join("");
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
  return { Name: rest.Name, Driver: rest.Driver, Mountpoint: rest.Mountpoint, CreatedAt: rest.CreatedAt, Labels: rest.Labels, Scope: "local", Options: rest.Options, MountCount: mounted, NeedsCopyUp: Boolean(NeedsCopyUp) };
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

export const volumeExists: Handler = async ({ ctx, args }) => {
  if (!findVolume(ctx.root, args[0])) throw new ExitError(1);
};
