import { ExitError, SkiffError } from "../../errors.js";
import { findImage, listImages } from "../../image/images.js";
import { mountImage, mountedImages, unmountImage } from "../../image/mount.js";
import { formatList } from "../../output/format.js";
import { getSys } from "../../sys/index.js";
import type { Handler } from "../table/types.js";
import { storeOf } from "./image-context.js";

export const imageMount: Handler = async ({ ctx, args, opts }) => {
  if (ctx.rootless) throw new SkiffError("PERMISSION_DENIED", "image mount needs root", { hint: "run it as root" });
  const store = storeOf(ctx);
  const sys = await getSys();
  const all = listImages(store);
  const rows = args.map((a) => {
    const img = findImage(store, a, ctx.config.registries.unqualifiedSearch, all);
    if (!img) throw new SkiffError("NOT_FOUND", `${a}: image not known`);
    return { id: img.id.slice(7), Repositories: img.names, path: mountImage(store, img, sys) };
  });
  if (opts.format) return formatList(rows, { format: opts.format as string, defaultTemplate: "{{.id}}\t{{.path}}" });
  return rows.map((r) => `${r.path}\n`).join("");
};

export const imageUnmount: Handler = async ({ ctx, args, opts }) => {
  const store = storeOf(ctx);
  const sys = await getSys();
  const all = opts.all ? [] : listImages(store);
  const ids = opts.all ? mountedImages(store) : args.map((a) => {
    const img = findImage(store, a, ctx.config.registries.unqualifiedSearch, all);
    if (!img) throw new SkiffError("NOT_FOUND", `${a}: image not known`);
    return img.id;
  });
  if (!opts.all && ids.length === 0) throw new SkiffError("INVALID_ARGUMENT", "give the images to unmount, or --all");
  const out: string[] = [];
  let notMounted = false;
  for (const id of ids) {
    if (unmountImage(store, id, sys)) out.push(id.slice(7));
    else {
      notMounted = true;
      ctx.stderr.write(`Error: image ${id.slice(7, 19)} is not mounted\n`);
    }
  }
  ctx.stdout.write(out.map((l) => `${l}\n`).join(""));
  if (notMounted) throw new ExitError(125);
};
