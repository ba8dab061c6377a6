/** stop, kill, rm, wait, rename, pause/unpause, container exists/prune, inspect. */
import { containerEvent } from "../../events/log.js";
import { readHealth } from "../../container/health-state.js";
import { confirm } from "../confirm.js";
import { ExitError, SkiffError } from "../../errors.js";
import { imageConfigOf, observedState, pauseInRuntime, removeContainer, signalContainer, stopContainer, waitContainer } from "../../container/lifecycle.js";
import { bundleDir, containerLock, rootfsDir, upperDir, userdataDir, workDir, type ContainerPaths } from "../../container/paths.js";
import type { ContainerRecord, ContainerState } from "../../container/record.js";
import type { ImageConfig } from "../../image/manifest.js";
import { snapshotFs } from "../../snapshot/store.js";
import { boundingCapsFromStatus } from "../../spec/values.js";
import { readFileSync } from "node:fs";
import { findRecord, listRecords, renameRecord, getRecord, readRecord, readState, writeState } from "../../container/store.js";
import { matchFilters } from "../../container/view.js";
import { inspectContainer, type InspectInputs } from "../../container/inspect.js";
import { findImage, inspectImage, listImages, type ImageRecord } from "../../image/images.js";
import { withLock } from "../../util/lock.js";
import { findVolume } from "../../volume/store.js";
import { networkView, readAttachment, type Attachment } from "../../network/attachment.js";
import { getSys } from "../../sys/index.js";
import type { Handler } from "../table/types.js";
import { inspectEach } from "./inspect-each.js";
import { volumeView } from "./volumes.js";
import { isActive, type Status } from "../../container/record.js";
import { parseDuration } from "../../container/policy.js";
import { eachNamed, pathsOf } from "./container-context.js";


export const stop: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const all = Boolean(opts.all);
  await eachNamed(ctx, args, opts, async (rec, query) => {
    if (all && !isActive(observedState(p, rec.id).status)) return undefined;
    await stopContainer(p, rec, typeof opts.time === "number" ? opts.time : rec.options.stopTimeout);
    return query ?? rec.id;
  });
};

export const kill: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const all = Boolean(opts.all);
  await eachNamed(ctx, args, opts, async (rec, query) => {
    if (all && !isActive(observedState(p, rec.id).status)) return undefined;
    await signalContainer(p, rec, String(opts.signal ?? "KILL"));
    return query ?? rec.id;
  });
};

export const rm: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const sys = await getSys();
  // rm -f of a container that is not there is no error (podman's), and a missing one exits 1
  await eachNamed(ctx, args, { ...opts, ignore: opts.ignore || opts.force }, async (rec, query) => {
    await removeContainer(p, rec, sys, { force: Boolean(opts.force), volumes: Boolean(opts.volumes), timeout: typeof opts.time === "number" ? opts.time : undefined });
    return query ?? rec.id;
  }, 1);
};

/** podman's wait conditions, as states of ours ("configured" is podman's name for created-never-started). */
const WAIT_CONDITIONS: Record<string, Status> = { created: "created", configured: "created", running: "running", paused: "paused", stopping: "stopping", stopped: "exited", exited: "exited" };

/**
 * wait: the exit code once the container stopped; with another --condition (several: any of them),
 * -1 as soon as the container is in that state, as podman prints.
 */
export const wait: Handler = async ({ ctx, args, opts }) => {
  const given = [opts.condition ?? []].flat().flatMap((c) => String(c).split(",")).map((c) => c.trim().toLowerCase()).filter(Boolean);
  const conditions = given.length ? given : ["stopped"];
  const HEALTH = ["healthy", "unhealthy"];
  for (const c of conditions) if (!(c in WAIT_CONDITIONS) && !HEALTH.includes(c)) throw new SkiffError("INVALID_ARGUMENT", `wait --condition ${c}: not a condition skiff knows`, { hint: `use ${[...Object.keys(WAIT_CONDITIONS), ...HEALTH].join(", ")}` });
  const wanted = new Set(conditions.filter((c) => c in WAIT_CONDITIONS).map((c) => WAIT_CONDITIONS[c]));
  const healthWanted = conditions.filter((c) => HEALTH.includes(c));
  const interval = parseDuration(String(opts.interval ?? "250ms"), "--interval");
  const p = pathsOf(ctx);
  await eachNamed(ctx, args, opts, async (rec) => {
    if (healthWanted.length && !rec.options.health) throw new SkiffError("FAILED_PRECONDITION", `container ${rec.id} has no defined healthcheck`);
    if (wanted.size === 1 && wanted.has("exited") && !healthWanted.length) return String(await waitContainer(p, rec));
    for (;;) {
      if (!readRecord(p, rec.id)) throw new SkiffError("NOT_FOUND", `container ${rec.name} was removed`);
      const s = observedState(p, rec.id);
      if (wanted.has(s.status)) return s.status === "exited" ? String(s.exitCode ?? 0) : "-1";
      if (healthWanted.length && s.status === "running" && healthWanted.includes(readHealth(p, rec.id)?.Status ?? "")) return "-1";
      await new Promise((r) => setTimeout(r, interval));
    }
  });
};

export const rename: Handler = async ({ ctx, args }) => {
  const p = pathsOf(ctx);
  await renameRecord(p, getRecord(p, args[0]), args[1]);
};

async function setPaused(ctx: Parameters<Handler>[0]["ctx"], args: string[], opts: Record<string, unknown>, pause: boolean): Promise<void> {
  const p = pathsOf(ctx);
  await eachNamed(ctx, args, opts, async (rec, query) => {
    return withLock(containerLock(p, rec.id), { what: `container ${rec.name}` }, async () => {
      const s = observedState(p, rec.id);
      if (opts.all && s.status !== (pause ? "running" : "paused")) return undefined;
      if (s.status !== (pause ? "running" : "paused")) throw new SkiffError("FAILED_PRECONDITION", `container ${rec.name} is ${s.status}, not ${pause ? "running" : "paused"}`);
      await pauseInRuntime(p, rec, pause);
      writeState(p, rec.id, { ...readState(p, rec.id), status: pause ? "paused" : "running" });
      containerEvent(p.root, rec, pause ? "pause" : "unpause");
      return query ?? rec.id;
    });
  });
}

export const pause: Handler = async ({ ctx, args, opts }) => setPaused(ctx, args, opts, true);
export const unpause: Handler = async ({ ctx, args, opts }) => setPaused(ctx, args, opts, false);

export const containerExists: Handler = async ({ ctx, args }) => {
  if (!findRecord(pathsOf(ctx), args[0])) throw new ExitError(1);
};

/** Removes every exited or created container (podman: stopped ones), printing their IDs. */
export const containerPrune: Handler = async ({ ctx, opts }) => {
  const p = pathsOf(ctx);
  const sys = await getSys();
  const filters = ((opts.filter as string[]) ?? []).filter((f) => !f.startsWith("until="));
  const until = ((opts.filter as string[]) ?? []).find((f) => f.startsWith("until="));
  if (!opts.force && !confirm(ctx.stdout, "WARNING! This will remove all non running containers.")) return "";
  const out: string[] = [];
  for (const rec of listRecords(p)) {
    const state = observedState(p, rec.id);
    if (isActive(state.status) || !matchFilters(filters, { rec, state })) continue;
    if (until && Date.parse(rec.created) >= Date.parse(until.slice(6))) continue;
    await removeContainer(p, rec, sys, { force: false, volumes: false });
    out.push(`${rec.id}\n`);
  }
  return out.join("");
};

/** What a container's inspect document is made of, gathered from the store and the host. */
function inspectInputs(p: ContainerPaths, rec: ContainerRecord, state: ContainerState, att: Attachment | undefined, images: ImageRecord[], boundingCaps: string[]): InspectInputs {
  const img = images.find((i) => i.id === rec.image.id);
  let image: ImageConfig | undefined;
  try {
    image = imageConfigOf(p, rec);
  } catch { /* the image is gone: its parts are left empty */ }
  const view = att ? networkView(att) : undefined;
  return {
    rec, state, image,
    network: view ? { ...view, netns: att!.netns } : undefined,
    imageDigest: img ? img.digests[0]?.split("@")[1] ?? img.manifestDigest : undefined,
    paths: {
      rootfs: rootfsDir(p, rec), bundle: bundleDir(p, rec.id), userdata: userdataDir(p, rec.id), upper: upperDir(p, rec.id), work: workDir(p, rec.id),
      lowers: [...rec.image.chainIds].reverse().map((c) => snapshotFs(p, c)),
    },
    boundingCaps,
    health: rec.options.health ? readHealth(p, rec.id) : undefined,
  };
}

/** The capabilities this host can give (its bounding set); every one when /proc says nothing. */
function hostBoundingCaps(): string[] {
  let status = "";
  try {
    status = readFileSync("/proc/self/status", "utf8");
  } catch { /* no /proc */ }
  return boundingCapsFromStatus(status);
}

export const inspect: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const type = String(opts.type ?? "all");
  const records = listRecords(p);
  const images = type === "container" ? [] : listImages(p);
  if (opts.latest && args.length) throw new SkiffError("INVALID_ARGUMENT", "--latest and names cannot be used together");
  if (!opts.latest && args.length === 0) throw new SkiffError("INVALID_ARGUMENT", "give the names or IDs to inspect, or --latest");
  const names = opts.latest ? records.slice(-1).map((r) => r.id) : args;
  if (names.length === 0) throw new SkiffError("NOT_FOUND", "no containers");
  // read once for every container named, only when one is
  let forContainers: { images: ImageRecord[]; caps: string[] } | undefined;
  const containerFacts = () => (forContainers ??= { images: images.length ? images : listImages(p), caps: hostBoundingCaps() });
  return inspectEach(ctx, names, (a) => {
    if (type === "all" || type === "container") {
      const rec = findRecord(p, a, records);
      if (rec) {
        const state = observedState(p, rec.id);
        const att = state.status === "exited" || state.status === "created" ? undefined : readAttachment(p.runroot, rec.id);
        const facts = containerFacts();
        return inspectContainer(inspectInputs(p, rec, state, att, facts.images, facts.caps));
      }
    }
    if (type === "all" || type === "image") {
      const img = findImage(p, a, ctx.config.registries.unqualifiedSearch, images);
      if (img) return inspectImage(img);
    }
    if (type === "all" || type === "volume") {
      const vol = findVolume(ctx.root, a);
      if (vol) return volumeView(ctx, vol);
    }
    if (type === "network") throw new SkiffError("NOT_IMPLEMENTED", "inspect --type network: not implemented yet");
    throw new SkiffError("NOT_FOUND", `no such object: "${a}"`);
  }, opts.format as string | undefined);
};
