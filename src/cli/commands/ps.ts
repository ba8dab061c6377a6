/** `ps`: containers with their observed state (a dead shim shows as exited). */
import { observedState } from "../../container/lifecycle.js";
import { listRecords } from "../../container/store.js";
import { networkView, readAttachment } from "../../network/attach.js";
import { matchFilters, psRow, psTemplateRow, type Container } from "../../container/view.js";
import { formatList, isJsonFormat } from "../../output/format.js";
import type { Handler } from "../table/types.js";
import { isActive } from "../../container/record.js";
import { pathsOf } from "./container-context.js";

export function observedContainers(ctx: Parameters<typeof pathsOf>[0]): Container[] {
  const p = pathsOf(ctx);
  return listRecords(p).map((rec) => {
    const state = observedState(p, rec.id);
    const att = isActive(state.status) ? readAttachment(p.runroot, rec.id) : undefined;
    return { rec, state, network: att ? networkView(att) : undefined };
  });
}

export const ps: Handler = async ({ ctx, opts }) => {
  let list = observedContainers(ctx);
  const filters = (opts.filter as string[]) ?? [];
  if (!opts.all && filters.length === 0) list = list.filter((c) => isActive(c.state.status));
  list = list.filter((c) => matchFilters(filters, c));
  if (opts.latest) list = list.slice(-1);
  if (typeof opts.last === "number" && opts.last >= 0) list = list.slice(-opts.last);
  list.reverse(); // newest first, as podman lists them
  const now = Date.now();
  const noTrunc = Boolean(opts.noTrunc);
  if (opts.quiet) return list.map((c) => `${noTrunc ? c.rec.id : c.rec.id.slice(0, 12)}\n`).join("");
  const format = opts.format as string | undefined;
  const rows = isJsonFormat(format) ? list.map((c) => psRow(c, now, noTrunc)) : list.map((c) => psTemplateRow(c, now, noTrunc));
  return formatList(rows, {
    format,
    defaultTemplate: "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
    headers: { ID: "CONTAINER ID", RunningFor: "CREATED", Names: "NAMES", Command: "COMMAND", Ports: "PORTS" },
    noHeading: Boolean(opts.noheading),
  });
};
