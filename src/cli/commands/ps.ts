/** `ps`: containers with their observed state (a dead shim shows as exited). */
import { observedState } from "../../container/lifecycle.js";
import { listRecords } from "../../container/store.js";
import { networkView, readAttachment } from "../../network/attachment.js";
import { matchFilters, psRow, psTemplateRow, type Container } from "../../container/view.js";
import { formatList, isJsonFormat } from "../../output/format.js";
import type { Handler } from "../table/types.js";
import { listImages } from "../../image/images.js";
import { upperDir } from "../../container/paths.js";
import { goSize } from "../../output/units.js";
import { diskUsage } from "./system-df.js";
import { isActive } from "../../container/record.js";
import { pathsOf } from "./container-context.js";
import { readHealth } from "../../container/health-state.js";

export function observedContainers(ctx: Parameters<typeof pathsOf>[0]): Container[] {
  const p = pathsOf(ctx);
  return listRecords(p).map((rec) => {
    const state = observedState(p, rec.id);
    const att = isActive(state.status) ? readAttachment(p.runroot, rec.id) : undefined;
    const health = rec.options.health ? readHealth(p, rec.id) : undefined;
    return { rec, state, network: att ? networkView(att) : undefined, health };
  });
}

/** podman's size of a container: its writable layer, and the image under it ("virtual"). */
function sizesOf(ctx: Parameters<typeof pathsOf>[0], list: Container[]): Map<string, { rootFsSize: number; rwSize: number }> {
  const p = pathsOf(ctx);
  const images = new Map(listImages(p).map((i) => [i.id, i.size]));
  return new Map(list.map((c) => [c.rec.id, { rootFsSize: images.get(c.rec.image.id) ?? 0, rwSize: diskUsage(upperDir(p, c.rec.id)) }]));
}

/** --sort: podman's keys, each ascending (podman 4.3 lists the oldest first); stable within equal keys. */
export function sortContainers(list: Container[], key: string, sizes?: Map<string, { rwSize: number }>): Container[] {
  const by: Record<string, (c: Container) => string | number> = {
    command: (c) => [...c.rec.entrypoint, ...c.rec.cmd].join(" "),
    id: (c) => c.rec.id,
    image: (c) => c.rec.image.name,
    names: (c) => c.rec.name,
    created: (c) => Date.parse(c.rec.created),
    runningfor: (c) => (c.state.startedAt ? Date.parse(c.state.startedAt) : 0),
    size: (c) => sizes?.get(c.rec.id)?.rwSize ?? 0,
    status: (c) => c.state.status,
  };
  const f = by[key];
  if (!f) return list;
  return [...list].sort((a, b) => {
    const x = f(a), y = f(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export const ps: Handler = async ({ ctx, opts }) => {
  // a build's working containers are shown only with --external, as podman shows buildah's
  let list = observedContainers(ctx).filter((c) => opts.external || c.rec.purpose !== "build");
  const filters = (opts.filter as string[]) ?? [];
  const last = opts.latest ? 1 : typeof opts.last === "number" && opts.last >= 0 ? opts.last : undefined;
  // --latest and --last count every container, as podman's (they imply --all)
  if (!opts.all && filters.length === 0 && last === undefined) list = list.filter((c) => isActive(c.state.status));
  list = list.filter((c) => matchFilters(filters, c));
  if (last !== undefined) list = list.slice(list.length - last);
  const now = Date.now();
  const noTrunc = Boolean(opts.noTrunc);
  const sizes = opts.size || opts.sort === "size" ? sizesOf(ctx, list) : undefined;
  list = sortContainers(list, String(opts.sort ?? "created"), sizes);
  if (opts.quiet) return list.map((c) => `${noTrunc ? c.rec.id : c.rec.id.slice(0, 12)}\n`).join("");
  const format = opts.format as string | undefined;
  const withSize = <T extends object>(c: Container, row: T) => (opts.size ? { ...row, Size: sizes!.get(c.rec.id) ?? null } : row);
  const rows = isJsonFormat(format)
    ? list.map((c) => withSize(c, psRow(c, now)))
    : list.map((c) => withSize(c, psTemplateRow(c, now, noTrunc)));
  const text = (c: Record<string, unknown>) => {
    const s = c.Size as { rootFsSize: number; rwSize: number } | null;
    return s ? `${goSize(s.rwSize)} (virtual ${goSize(s.rootFsSize)})` : "";
  };
  return formatList(isJsonFormat(format) ? rows : rows.map((r) => (opts.size ? { ...r, Size: text(r as Record<string, unknown>) } : r)), {
    format,
    defaultTemplate: `{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${opts.size ? "\t{{.Size}}" : ""}`,
    headers: { ID: "CONTAINER ID", RunningFor: "CREATED", Names: "NAMES", Command: "COMMAND", Ports: "PORTS", Size: "SIZE" },
    noHeading: Boolean(opts.noheading),
  });
};
