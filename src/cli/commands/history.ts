import { SkiffError } from "../../errors.js";
import { shortId } from "../../image/digest.js";
import { findImage } from "../../image/images.js";
import { formatList } from "../../output/format.js";
import { humanDuration, humanSize } from "../../output/units.js";
import { readSnapshotInfo, hasSnapshot } from "../../snapshot/store.js";
import type { Handler } from "../table/types.js";
import { withAliases } from "../../output/template.js";
import { storeOf } from "./image-context.js";

/** podman's history: newest first; entries that made a layer get its size, the top one the image ID. */
export const history: Handler = async ({ ctx, args, opts }) => {
  const store = storeOf(ctx);
  const img = findImage(store, args[0], ctx.config.registries.unqualifiedSearch);
  if (!img) throw new SkiffError("NOT_FOUND", `${args[0]}: image not known`);
  type Entry = NonNullable<typeof img.config.history>[number];
  const entries: Entry[] = img.config.history?.length ? img.config.history : img.manifest.layers.map(() => ({}));
  let layer = 0;
  const now = Date.now();
  const rows = entries.map((h) => {
    const empty = Boolean(h.empty_layer);
    const chain = empty ? undefined : img.chainIds[layer++];
    const size = chain && hasSnapshot(store, chain) ? readSnapshotInfo(store, chain).size : 0;
    const created = Date.parse(h.created ?? "") || 0;
    return {
      id: "<missing>",
      created: h.created ?? "",
      CreatedSince: created && opts.human !== false ? `${humanDuration(now - created)} ago` : (h.created ?? ""),
      CreatedBy: opts.noTrunc ? (h.created_by ?? "") : (h.created_by ?? "").slice(0, 45),
      Size: size,
      SizeHuman: opts.human === false ? String(size) : humanSize(size),
      Comment: h.comment ?? "",
      tags: null as string[] | null,
    };
  }).reverse();
  if (rows.length > 0) {
    rows[0].id = opts.noTrunc ? img.id.slice(7) : shortId(img.id);
    rows[0].tags = img.names;
  }
  if (opts.quiet) return rows.map((r) => `${r.id}\n`).join("");
  // podman's template fields are ID, Created…; its JSON keys id, created
  for (const r of rows) withAliases(r, { ID: r.id, Created: r.created, Tags: r.tags });
  return formatList(rows, {
    format: opts.format as string | undefined,
    defaultTemplate: "{{.id}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.SizeHuman}}\t{{.Comment}}",
    headers: { id: "ID", CreatedSince: "CREATED", CreatedBy: "CREATED BY", SizeHuman: "SIZE", Comment: "COMMENT" },
  });
};
