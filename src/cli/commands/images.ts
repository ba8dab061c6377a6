import { ExitError, SkiffError } from "../../errors.js";
import { byText } from "../../util/compare.js";
import { shortId } from "../../image/digest.js";
import { findImage, inspectImage, listImages, scanImages, type ImageRecord } from "../../image/images.js";
import { oneLine } from "../../errors.js";
import { formatList, toJson } from "../../output/format.js";
import { humanDuration, humanSize } from "../../output/units.js";
import type { Handler } from "../table/types.js";
import { inspectEach } from "./inspect-each.js";
import { storeOf } from "./image-context.js";
import { goMap, goNilMap } from "../../output/template.js";
import { isJsonFormat } from "../../output/format.js";
import { listRecords } from "../../container/store.js";
import { pathsOf } from "./container-context.js";

interface Row {
  Id: string; ID: string; Repository: string; Tag: string; Digest: string; Created: number; CreatedAt: string;
  CreatedSince: string; Size: string; Names: string[]; RepoTags: string[]; RepoDigests: string[]; Dangling: boolean; Labels: Map<string, unknown>;
}

function rows(img: ImageRecord, noTrunc: boolean, now: number): Row[] {
  const created = Date.parse(img.config.created ?? "") || 0;
  const base = {
    Id: img.id.slice(7),
    ID: noTrunc ? img.id : shortId(img.id),
    Digest: img.digests[0]?.split("@")[1] ?? img.manifestDigest,
    Created: Math.floor(created / 1000),
    CreatedAt: created ? new Date(created).toISOString() : "",
    CreatedSince: created ? `${humanDuration(now - created)} ago` : "",
    Size: humanSize(img.size),
    Names: img.names,
    RepoTags: img.names,
    RepoDigests: img.digests,
    Dangling: img.names.length === 0,
    Labels: img.config.config?.Labels ? goMap(img.config.config.Labels) : goNilMap(),
  };
  if (img.names.length === 0) return [{ ...base, Repository: "<none>", Tag: "<none>" }];
  return img.names.map((n) => {
    const i = n.lastIndexOf(":");
    return { ...base, Repository: n.slice(0, i), Tag: n.slice(i + 1) };
  });
}

/** reference=PATTERN (glob over names, with or without registry), dangling=true|false */
function filterImages(images: ImageRecord[], filters: string[]): ImageRecord[] {
  return filters.reduce((list, f) => {
    const [key, value = ""] = f.split(/=(.*)/s);
    if (key === "dangling") return list.filter((i) => (i.names.length === 0) === (value !== "false"));
    if (key === "reference") {
      const re = new RegExp(`^${value.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, ".")}(:[^/]*)?$`);
      return list.filter((i) => i.names.some((n) => re.test(n) || re.test(n.replace(/^[^/]+\//, "")) || re.test(n.replace(/^docker\.io\/library\//, ""))));
    }
    throw new SkiffError("INVALID_ARGUMENT", `invalid image filter "${f}"`, { hint: "use reference=PATTERN or dangling=true|false" });
  }, images);
}

/** podman's `images --format json` row: sizes as numbers, RepoTags null, names' History newest first. */
function jsonRow(img: ImageRecord, containers: number) {
  const created = Date.parse(img.config.created ?? "") || 0;
  const labels = img.config.config?.Labels;
  return {
    Id: img.id.slice(7),
    ParentId: "",
    RepoTags: null,
    RepoDigests: img.digests,
    Size: img.size,
    SharedSize: 0,
    VirtualSize: img.size,
    Labels: labels && Object.keys(labels).length ? labels : null,
    Containers: containers,
    // omitempty in podman's struct: Dangling only when true, Names and History only when there are some
    ...(img.names.length ? { Names: img.names } : { Dangling: true }),
    Digest: img.digests[0]?.split("@")[1] ?? img.manifestDigest,
    ...(img.names.length ? { History: [...img.names].reverse() } : {}),
    Created: Math.floor(created / 1000),
    CreatedAt: created ? new Date(created).toISOString().replace(/\.\d+Z$/, "Z") : "",
  };
}

export const images: Handler = async ({ ctx, args, opts }) => {
  const scan = scanImages(storeOf(ctx));
  for (const b of scan.broken) {
    const name = b.names[0] ?? b.manifestDigest;
    ctx.log.warn(`image ${oneLine(name)} (manifest ${b.manifestDigest.slice(0, 19)}) cannot be read: ${oneLine(b.reason)}; skiff rmi ${oneLine(name)} removes it`);
  }
  let list = scan.images;
  if (args[0]) list = filterImages(list, [`reference=${args[0]}`]);
  list = filterImages(list, opts.filter as string[]);
  list.sort((a, b) => Date.parse(b.config.created ?? "") - Date.parse(a.config.created ?? ""));
  if (opts.quiet) return [...new Set(list.map((i) => (opts.noTrunc ? i.id : shortId(i.id))))].map((id) => `${id}\n`).join("");
  if (isJsonFormat(opts.format as string | undefined)) {
    const users = new Map<string, number>();
    for (const r of listRecords(pathsOf(ctx))) users.set(r.image.id, (users.get(r.image.id) ?? 0) + 1);
    // one row a name, as podman's (an untagged image has one)
    return toJson(list.flatMap((i) => Array.from({ length: Math.max(1, i.names.length) }, () => jsonRow(i, users.get(i.id) ?? 0))));
  }
  const now = Date.now();
  const all = list.flatMap((i) => rows(i, Boolean(opts.noTrunc), now).map((r) => ({ ...r, bytes: i.size })));
  // podman's orders: newest first, largest first, otherwise ascending; stable within equal keys
  const key = opts.sort as string;
  const by: Record<string, (a: (typeof all)[number], b: (typeof all)[number]) => number> = {
    created: (a, b) => b.Created - a.Created,
    size: (a, b) => b.bytes - a.bytes,
    id: (a, b) => byText(a.Id, b.Id),
    repository: (a, b) => byText(a.Repository, b.Repository),
    tag: (a, b) => byText(a.Tag, b.Tag),
  };
  all.sort(by[key]);
  const template = `{{.Repository}}\t{{.Tag}}\t${opts.digests ? "{{.Digest}}\t" : ""}{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`;
  return formatList(all, {
    format: opts.format as string | undefined,
    defaultTemplate: template,
    headers: { ID: "IMAGE ID", CreatedSince: "CREATED", Digest: "DIGEST" },
    noHeading: Boolean(opts.noheading),
  });
};

export const imageInspect: Handler = async ({ ctx, args, opts }) => {
  const store = storeOf(ctx);
  const all = listImages(store);
  return inspectEach(ctx, args, (a) => {
    const img = findImage(store, a, ctx.config.registries.unqualifiedSearch, all);
    if (!img) throw new SkiffError("NOT_FOUND", `${a}: image not known`);
    return inspectImage(img);
  }, opts.format as string | undefined);
};

export const imageExists: Handler = async ({ ctx, args }) => {
  if (!findImage(storeOf(ctx), args[0], ctx.config.registries.unqualifiedSearch)) throw new ExitError(1);
};
