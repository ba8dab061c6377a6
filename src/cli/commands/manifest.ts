/** `manifest create|add|annotate|remove|inspect|push|rm|exists`: multi-architecture lists of local images. */
import { statSync, writeFileSync } from "node:fs";
import { ExitError, SkiffError } from "../../errors.js";
import { findImage, listImages, type ImageRecord } from "../../image/images.js";
import { emptyList, findList, getList, instanceOf, removeList, saveList, withInstance, type InstanceOverrides } from "../../image/manifest-list.js";
import { blobPath } from "../../image/store/layout.js";
import { tagName } from "../../image/remove.js";
import type { Handler } from "../table/types.js";
import type { Context } from "../context.js";
import { storeOf } from "./image-context.js";

function keyValues(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of (list as string[] | undefined) ?? []) {
    const eq = e.indexOf("=");
    if (eq <= 0) throw new SkiffError("INVALID_ARGUMENT", `invalid annotation "${e}": expected KEY=VALUE`);
    out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}

function localImage(ctx: Context, query: string, all = listImages(storeOf(ctx))): ImageRecord {
  const ref = query.replace(/^containers-storage:/, "");
  if (/^docker:\/\//.test(ref)) throw new SkiffError("NOT_IMPLEMENTED", `${query}: skiff adds local images; pull it first`);
  const img = findImage(storeOf(ctx), ref, ctx.config.registries.unqualifiedSearch, all);
  if (!img) throw new SkiffError("NOT_FOUND", `${query}: image not known`);
  return img;
}

const manifestSize = (ctx: Context, img: ImageRecord) => statSync(blobPath(storeOf(ctx), img.manifestDigest)).size;

function overrides(opts: Record<string, unknown>): InstanceOverrides {
  return { os: opts.os as string | undefined, arch: opts.arch as string | undefined, variant: opts.variant as string | undefined, annotations: keyValues(opts.annotation) };
}

function listName(query: string): string {
  try {
    return tagName(query);
  } catch (err) {
    throw new SkiffError("INVALID_ARGUMENT", `${query}: ${err instanceof SkiffError ? err.message : "invalid reference format"}`);
  }
}

export const create: Handler = async ({ ctx, args, opts }) => {
  const s = storeOf(ctx);
  const name = listName(args[0]);
  if (findList(s, name) && !opts.amend) throw new SkiffError("ALREADY_EXISTS", `${args[0]}: a manifest list with that name exists`, { hint: "use --amend to change it" });
  const all = listImages(s);
  if (all.some((i) => i.names.includes(name))) throw new SkiffError("ALREADY_EXISTS", `image name "${name}" is already associated with an image: that name is already in use`);
  let index = opts.amend ? (findList(s, name)?.index ?? emptyList()) : emptyList(keyValues(opts.annotation));
  for (const q of args.slice(1)) {
    const img = localImage(ctx, q, all);
    index = withInstance(index, instanceOf(img, manifestSize(ctx, img)));
  }
  return `${(await saveList(s, name, index)).slice(7)}\n`;
};

export const add: Handler = async ({ ctx, args, opts }) => {
  const s = storeOf(ctx);
  const list = getList(s, args[0]);
  const img = localImage(ctx, args[1]);
  const digest = await saveList(s, list.name, withInstance(list.index, instanceOf(img, manifestSize(ctx, img), overrides(opts))));
  return `${digest.slice(7)}\n`;
};

export const annotate: Handler = async ({ ctx, args, opts }) => {
  const s = storeOf(ctx);
  const list = getList(s, args[0]);
  const want = args[1].startsWith("sha256:") ? args[1] : `sha256:${args[1]}`;
  const entry = list.index.manifests.find((m) => m.digest === want);
  if (!entry) throw new SkiffError("NOT_FOUND", `no image instance matching digest "${args[1]}" was found in the list`);
  const o = overrides(opts);
  const platform = { ...(entry.platform ?? { os: "linux", architecture: "" }), ...(o.os ? { os: o.os } : {}), ...(o.arch ? { architecture: o.arch } : {}), ...(o.variant ? { variant: o.variant } : {}) };
  const annotations = { ...(entry.annotations ?? {}), ...o.annotations };
  const updated = { ...entry, platform, ...(Object.keys(annotations).length ? { annotations } : {}) };
  const digest = await saveList(s, list.name, { ...list.index, manifests: list.index.manifests.map((m) => (m.digest === want ? updated : m)) });
  return `${digest.slice(7)}\n`;
};

export const removeInstance: Handler = async ({ ctx, args }) => {
  const s = storeOf(ctx);
  const list = getList(s, args[0]);
  const want = args[1].startsWith("sha256:") ? args[1] : `sha256:${args[1]}`;
  if (!list.index.manifests.some((m) => m.digest === want)) throw new SkiffError("NOT_FOUND", `no image instance matching digest "${args[1]}" was found in the list`);
  const digest = await saveList(s, list.name, { ...list.index, manifests: list.index.manifests.filter((m) => m.digest !== want) });
  return `${digest.slice(7)}\n`;
};

export const inspect: Handler = async ({ ctx, args }) => {
  const list = getList(storeOf(ctx), args[0]);
  return `${JSON.stringify(list.index, null, 4)}\n`;
};

export const exists: Handler = async ({ ctx, args }) => {
  if (!findList(storeOf(ctx), args[0])) throw new ExitError(1);
};

export const rm: Handler = async ({ ctx, args }) => {
  const s = storeOf(ctx);
  let status = 0;
  const out: string[] = [];
  for (const q of args) {
    const list = findList(s, q);
    if (!list) {
      ctx.stderr.write(`Error: ${q}: image not known\n`);
      status = 1;
      continue;
    }
    const digest = await removeList(s, q);
    out.push(`Untagged: ${list.name}`, `Deleted: ${digest.slice(7)}`);
  }
  if (out.length) ctx.stdout.write(`${out.join("\n")}\n`);
  if (status) throw new ExitError(status);
};

export const push: Handler = async ({ ctx, args, opts }) => {
  const s = storeOf(ctx);
  const list = getList(s, args[0]);
  const all = listImages(s);
  const instances = list.index.manifests.map((m) => {
    const img = all.find((i) => i.manifestDigest === m.digest);
    if (!img) throw new SkiffError("NOT_FOUND", `list ${list.name}: instance ${m.digest} is no longer in the store`, { hint: "add the image again, or remove the instance" });
    return img;
  });
  const { parseDestination, pushOptions } = await import("./push.js");
  const dest = parseDestination(args[1] ?? list.name);
  if (dest.kind !== "registry") throw new SkiffError("NOT_IMPLEMENTED", "manifest push: only registry destinations");
  const { pushList } = await import("../../image/push.js");
  const digest = await pushList(list.index, instances, dest.ref, pushOptions(ctx, dest.ref, opts));
  if (typeof opts.digestfile === "string") writeFileSync(opts.digestfile, digest);
  if (opts.rm) await removeList(s, args[0]);
};
