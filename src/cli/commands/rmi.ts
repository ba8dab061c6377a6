import { confirm } from "../confirm.js";
import { oneLine, ExitError, SkiffError, isSkiffError } from "../../errors.js";
import { collectGarbage, withImageUsers } from "../../image/gc.js";
import { listImages, resolveImage, type ImageRecord } from "../../image/images.js";
import { parseTimeArg } from "../../container/policy.js";
import { parseDigest } from "../../image/digest.js";
import { removeContainer } from "../../container/lifecycle.js";
import { listRecords } from "../../container/store.js";
import { getSys } from "../../sys/index.js";
import type { Context } from "../context.js";
import { pathsOf } from "./container-context.js";
import { removeImage, tagImage, untagImage } from "../../image/remove.js";
import { clearCache } from "../../image/store/build-cache.js";
import type { Handler } from "../table/types.js";
import { storeOf } from "./image-context.js";

/** Snapshots the containers stand on: garbage collection keeps them whatever happens to their images. */
function containerChains(ctx: Context): Set<string> {
  return new Set(listRecords(pathsOf(ctx)).flatMap((r) => [...r.image.chainIds, ...r.mounts.flatMap((m) => m.chainIds ?? [])].map((c) => parseDigest(c).hex)));
}

/**
 * An image a container uses is refused (exit 2, as podman), unless -f, which removes those
 * containers first.
 */
async function checkUsers(ctx: Context, imageId: string, force: boolean): Promise<void> {
  const users = listRecords(pathsOf(ctx)).filter((r) => r.image.id === imageId);
  if (users.length === 0) return;
  if (!force) {
    throw new SkiffError("FAILED_PRECONDITION", `image ${imageId.slice(7, 19)} is in use by container ${users.map((u) => u.name).join(", ")}`, { hint: "remove the containers first, or use -f", exitCode: 2 });
  }
  const sys = await getSys();
  for (const u of users) await removeContainer(pathsOf(ctx), u, sys, { force: true, volumes: false });
}

/** podman's rmi: "Untagged: NAME" and "Deleted: ID" lines; exit 1 when an image did not exist, 2 when one is in use. */
export const rmi: Handler = async ({ ctx, args, opts }) => {
  const store = storeOf(ctx);
  if (opts.all && args.length > 0) throw new SkiffError("INVALID_ARGUMENT", "--all and image names cannot be used together");
  if (!opts.all && args.length === 0) throw new SkiffError("INVALID_ARGUMENT", "give the images to remove, or --all");
  const targets = opts.all ? listImages(store).map((i) => i.id) : args;
  const out: string[] = [];
  let missing = false;
  let firstError: unknown;
  for (const t of targets) {
    try {
      const r = await withImageUsers(store, "remove", async () => {
        const hit = resolveImage(store, t, ctx.config.registries.unqualifiedSearch);
        // only removing the image itself (not one of several names) affects its containers
        if (hit && (!hit.name || hit.image.names.length <= 1)) await checkUsers(ctx, hit.image.id, Boolean(opts.force));
        return removeImage(store, t, ctx.config.registries.unqualifiedSearch, Boolean(opts.force));
      });
      out.push(...r.untagged.map((n) => `Untagged: ${n}`), ...(r.deleted ? [`Deleted: ${r.deleted.slice(7)}`] : []));
    } catch (err) {
      if (isSkiffError(err, "NOT_FOUND")) {
        // podman: -f makes a missing image no error
        if (!opts.ignore && !opts.force) {
          missing = true;
          ctx.stderr.write(`Error: ${oneLine(err.message)}\n`);
        }
      } else firstError ??= err;
    }
  }
  await collectGarbage(store, containerChains(ctx));
  ctx.stdout.write(out.map((l) => `${l}\n`).join(""));
  if (firstError) throw firstError;
  if (missing) throw new ExitError(1);
};

export const untag: Handler = async ({ ctx, args }) => {
  await untagImage(storeOf(ctx), args[0], args.slice(1), ctx.config.registries.unqualifiedSearch);
};

export const tag: Handler = async ({ ctx, args }) => {
  await tagImage(storeOf(ctx), args[0], args.slice(1), ctx.config.registries.unqualifiedSearch);
};

/** image prune --filter: label=KEY[=VALUE], label!=…, until=TIME (created before). Pure. */
export function pruneFilter(filters: string[], now: number): (img: ImageRecord) => boolean {
  const tests = filters.map((f) => {
    const m = /^(label!?|until)=(.*)$/.exec(f);
    if (!m) throw new SkiffError("INVALID_ARGUMENT", `invalid filter "${f}"`, { hint: "use label=KEY[=VALUE], label!=KEY[=VALUE] or until=TIME" });
    const [, key, value] = m;
    if (key === "until") {
      const limit = parseTimeArg(value, now, "--filter until");
      return (img: ImageRecord) => Date.parse(img.config.created ?? "") < limit;
    }
    const [k, v] = value.includes("=") ? [value.slice(0, value.indexOf("=")), value.slice(value.indexOf("=") + 1)] : [value, undefined];
    const has = (img: ImageRecord) => {
      const labels = img.config.config?.Labels ?? {};
      return k in labels && (v === undefined || labels[k] === v);
    };
    return key === "label" ? has : (img: ImageRecord) => !has(img);
  });
  return (img) => tests.every((t) => t(img));
}

/** Removes dangling images (no name), or with --all every image no container uses; prints the IDs removed. */
export const imagePrune: Handler = async ({ ctx, opts }) => {
  const warning = opts.all ? "WARNING! This command removes all images without at least one container associated with them." : "WARNING! This command removes all dangling images.";
  if (!opts.force && !confirm(ctx.stdout, warning)) return "";
  const store = storeOf(ctx);
  const matches = pruneFilter((opts.filter as string[]) ?? [], Date.now());
  const used = new Set(listRecords(pathsOf(ctx)).map((r) => r.image.id));
  const doomed = listImages(store).filter((i) => (opts.all || i.names.length === 0) && !used.has(i.id) && matches(i));
  const removed = await withImageUsers(store, "remove", async () => {
    const now = new Set(listRecords(pathsOf(ctx)).map((r) => r.image.id)); // again: a create may have come first
    const gone = doomed.filter((img) => !now.has(img.id));
    for (const img of gone) await removeImage(store, img.id, [], true);
    return gone;
  });
  // podman's intermediate build images are dangling images too: the build cache goes with them
  clearCache(store.root);
  await collectGarbage(store, containerChains(ctx));
  return removed.map((i) => `${i.id.slice(7)}\n`).join("");
};
