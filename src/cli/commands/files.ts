/** export, diff and cp: a container's filesystem from the outside. */
import { existsSync, mkdirSync } from "node:fs";
import { SkiffError } from "../../errors.js";
import { copyIn, copyOut, type ContainerRoot } from "../../container/copy.js";
import { containerChanges, withContainerRoot, withRootfs } from "../../container/files.js";
import { readImageFile } from "../../container/bundle.js";
import { prepareRootfs, setUserMountCount, unmountRootfs, userMountCount, userMountMarker } from "../../container/rootfs.js";
import { bundleDir, containerLock, rootfsDir } from "../../container/paths.js";
import { listRecords } from "../../container/store.js";
import { isActive } from "../../container/record.js";
import { withLock } from "../../util/lock.js";
import { resolveUser } from "../../spec/user.js";
import { at } from "../../snapshot/rooted.js";
import { imageConfigOf, observedState, pauseInRuntime } from "../../container/lifecycle.js";
import type { ContainerPaths } from "../../container/paths.js";
import type { ContainerRecord } from "../../container/record.js";
import { getRecord } from "../../container/store.js";
import { formatList, formatObject } from "../../output/format.js";
import { packTree } from "../../snapshot/tar/pack.js";
import { getSys } from "../../sys/index.js";
import type { Handler } from "../table/types.js";
import { writeTar } from "./tar-output.js";
import { pathsOf, refuseNamesWithAll, targets } from "./container-context.js";

export const exportCommand: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const rec = getRecord(p, args[0]);
  const sys = await getSys();
  await writeTar(typeof opts.output === "string" ? opts.output : undefined, (sink) => withRootfs(p, rec, sys, (rootfs) => packTree(rootfs, "", sink)));
};

export const diff: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const [rec] = targets(ctx, args.slice(0, 1), { latest: opts.latest });
  const changes = containerChanges(p, rec);
  const format = opts.format as string | undefined;
  if (format) {
    const pick = (k: string) => changes.filter((c) => c.kind === k).map((c) => c.path);
    return formatObject({ changed: pick("C"), added: pick("A"), deleted: pick("D") }, format, () => "");
  }
  return changes.map((c) => `${c.kind} ${c.path}\n`).join("");
};

/** "CTR:/path" → the container and the path; a plain path → undefined. */
function containerSide(ctx: Parameters<Handler>[0]["ctx"], arg: string): { rec: ContainerRecord; path: string } | undefined {
  const m = /^([^/:][^:]*):(.*)$/.exec(arg);
  if (!m) return undefined;
  return { rec: getRecord(pathsOf(ctx), m[1]), path: m[2] || "/" };
}

export const cp: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const from = containerSide(ctx, args[0]);
  const to = containerSide(ctx, args[1]);
  if (Boolean(from) === Boolean(to)) throw new SkiffError("INVALID_ARGUMENT", "copying needs a container on exactly one side (CONTAINER:PATH)");
  const sys = await getSys();
  if (from) {
    await withContainerRoot(p, from.rec, sys, (root) => copyOut(root, from.path, args[1], sys));
    return;
  }
  const target = to!;
  await withContainerRoot(p, target.rec, sys, async (root, running) => {
    // -a (podman's default): what goes in belongs to the container's user
    const owner = opts.archive === false ? undefined : containerOwner(p, target.rec, root);
    // a running container is paused while files go in, so it cannot move a path under the copy
    const paused = running && opts.pause !== false && observedState(p, target.rec.id).status === "running";
    if (paused) await pauseInRuntime(p, target.rec, true);
    try {
      await copyIn(root, args[0], target.path, sys, { owner, overwrite: opts.overwrite === true });
    } finally {
      if (paused) await pauseInRuntime(p, target.rec, false);
    }
  });
};

function containerOwner(p: ContainerPaths, rec: ContainerRecord, root: ContainerRoot): { uid: number; gid: number } {
  const user = rec.options.user ?? imageConfigOf(p, rec).config?.User ?? "";
  const { uid, gid } = resolveUser(user, readImageFile(at(root.fd), "/etc/passwd"), readImageFile(at(root.fd), "/etc/group"));
  return { uid, gid };
}

/** mount: a container's merged file system, mounted until umount (also across its stops); no names: the list. */
/**
 * mount: with names (or --all, --latest) mounts each and prints where; with none lists the mounted
 * ones ("ID  PATH", --no-trunc, --format json as podman's {id, Names, mountpoint}).
 */
export const mount: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  refuseNamesWithAll(opts, args);
  if (args.length === 0 && !opts.all && !opts.latest) {
    const mounted = listRecords(p).filter((r) => existsSync(userMountMarker(p, r.id)));
    if (opts.format !== undefined) return formatList(mounted.map((r) => ({ id: r.id, Names: [r.name], mountpoint: rootfsDir(p, r) })), { format: opts.format as string, defaultTemplate: "{{.id}}  {{.mountpoint}}" });
    return mounted.map((r) => `${opts.noTrunc ? r.id : r.id.slice(0, 12)}  ${rootfsDir(p, r)}\n`).join("");
  }
  const sys = await getSys();
  const out: string[] = [];
  for (const rec of targets(ctx, args, opts)) {
    await withLock(containerLock(p, rec.id), { what: `container ${rec.name}` }, async () => {
      mkdirSync(bundleDir(p, rec.id), { recursive: true, mode: 0o700 });
      const path = await prepareRootfs(p, rec, sys);
      setUserMountCount(p, rec.id, userMountCount(p, rec.id) + 1);
      out.push(`${path}\n`);
    });
  }
  return out.join("");
};

/**
 * umount: undoes mount; a running container keeps its rootfs (the runtime needs it) until it stops.
 * Each mount is counted, as podman counts them: umount undoes one (--force all), and the file
 * system goes when none is left. Prints each name as given (the ID with --all and --latest).
 */
export const umount: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  refuseNamesWithAll(opts, args);
  const sys = await getSys();
  const all = listRecords(p);
  const list: [ContainerRecord, string][] = opts.all ? all.filter((r) => existsSync(userMountMarker(p, r.id))).map((r) => [r, r.id])
    : opts.latest ? all.slice(-1).map((r) => [r, r.id])
    : args.map((a) => [getRecord(p, a, all), a]);
  if (!opts.all && !opts.latest && list.length === 0) throw new SkiffError("INVALID_ARGUMENT", "give the containers to unmount, --all or --latest");
  const out: string[] = [];
  for (const [rec, shown] of list) {
    await withLock(containerLock(p, rec.id), { what: `container ${rec.name}` }, () => {
      const left = opts.force ? 0 : Math.max(0, userMountCount(p, rec.id) - 1);
      setUserMountCount(p, rec.id, left);
      if (left === 0 && !isActive(observedState(p, rec.id).status)) unmountRootfs(p, rec, sys, true);
      out.push(`${shown}\n`);
    });
  }
  return out.join("");
};
