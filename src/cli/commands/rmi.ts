import { ExitError, SkiffError, isSkiffError } from "../../errors.js";
import { collectGarbage } from "../../image/gc.js";
import { listImages } from "../../image/images.js";
import { removeImage, tagImage } from "../../image/remove.js";
import type { Handler } from "../table/types.js";
import { storeOf } from "./image-context.js";

/** podman's rmi: "Untagged: NAME" and "Deleted: ID" lines; exit 1 when an image did not exist. */
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
      const r = await removeImage(store, t, ctx.config.registries.unqualifiedSearch, Boolean(opts.force));
      out.push(...r.untagged.map((n) => `Untagged: ${n}`), ...(r.deleted ? [`Deleted: ${r.deleted.slice(7)}`] : []));
    } catch (err) {
      if (isSkiffError(err, "NOT_FOUND")) {
        if (!opts.ignore) {
          missing = true;
          ctx.stderr.write(`Error: ${err.message}\n`);
        }
      } else firstError ??= err;
    }
  }
  await collectGarbage(store);
  ctx.stdout.write(out.map((l) => `${l}\n`).join(""));
  if (firstError) throw firstError;
  if (missing) throw new ExitError(1);
};

export const tag: Handler = async ({ ctx, args }) => {
  await tagImage(storeOf(ctx), args[0], args.slice(1), ctx.config.registries.unqualifiedSearch);
};

/** Removes dangling images (no name), or with --all every image; prints the IDs removed. */
export const imagePrune: Handler = async ({ ctx, opts }) => {
  const store = storeOf(ctx);
  if ((opts.filter as string[]).length > 0) throw new SkiffError("NOT_IMPLEMENTED", "skiff image prune --filter: not implemented yet");
  const doomed = listImages(store).filter((i) => opts.all || i.names.length === 0);
  for (const img of doomed) await removeImage(store, img.id, [], true);
  await collectGarbage(store);
  return doomed.map((i) => `${i.id.slice(7)}\n`).join("");
};
