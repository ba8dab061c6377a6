/** system prune and system reset: everything unused, or everything, with podman's prompts and report. */
import { readFileSync, rmSync } from "node:fs";
import { SkiffError } from "../../errors.js";
import { removeContainer } from "../../container/lifecycle.js";
import { listRecords } from "../../container/store.js";
import { compactSize } from "../../output/units.js";
import { getSys, MNT_DETACH } from "../../sys/index.js";
import { confirm } from "../confirm.js";
import type { Handler, Invocation } from "../table/types.js";
import { pathsOf } from "./container-context.js";
import { containerPrune } from "./manage.js";
import { networkPrune } from "./networks.js";
import { imagePrune } from "./rmi.js";
import { diskUsage } from "./system-df.js";
import { volumePrune } from "./volumes.js";

const PRUNE_WARNING = (all: boolean, volumes: boolean) => ["WARNING! This command removes:", "\t- all stopped containers", "\t- all networks not used by at least one container",
  ...(volumes ? ["\t- all volumes not used by at least one container"] : []),
  all ? "\t- all images without at least one container associated with them" : "\t- all dangling images",
  all ? "\t- all build cache" : "\t- all dangling build cache", ""].join("\n");

export const systemPrune: Handler = async (inv) => {
  const { ctx, opts } = inv;
  const all = opts.all === true, volumes = opts.volumes === true;
  if (!opts.force && !confirm(ctx.stdout, PRUNE_WARNING(all, volumes))) return "";
  const before = diskUsage(ctx.root);
  const sub = (o: Record<string, unknown>): Invocation => ({ ...inv, opts: { ...o, force: true, filter: opts.filter ?? [] } });
  const sections: [string, string | void][] = [["Deleted Containers", await containerPrune(sub({}))]];
  if (volumes) sections.push(["Deleted Volumes", await volumePrune(sub({}))]);
  sections.push(["Deleted Images", await imagePrune(sub({ all }))], ["Deleted Networks", await networkPrune(sub({}))]);
  const report = sections.filter(([, text]) => text).map(([title, text]) => `${title}\n${text}`).join("");
  return `${report}Total reclaimed space: ${compactSize(Math.max(0, before - diskUsage(ctx.root)))}\n`;
};

/** Mount points at or under `dir` (deepest first). */
function mountsUnder(dir: string): string[] {
  const points = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4]).filter(Boolean)
    .map((m) => m.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))));
  return points.filter((m) => m === dir || m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
}

export const systemReset: Handler = async (inv) => {
  const { ctx, opts } = inv;
  const warning = ["WARNING! This will remove:", "        - all containers", "        - all images", "        - all networks", "        - all build cache", "        - all volumes",
    `        - the graphRoot directory: "${ctx.root}"`, `        - the runRoot directory: "${ctx.runroot}"`].join("\n");
  if (!opts.force && !confirm(ctx.stdout, warning)) return;
  const p = pathsOf(ctx);
  const sys = await getSys();
  for (const rec of listRecords(p)) await removeContainer(p, rec, sys, { force: true, volumes: true, timeout: 0 });
  await networkPrune({ ...inv, opts: { force: true } });
  // nothing may stay mounted below what is deleted: rm -r through an overlay would empty its layers
  for (const dir of [ctx.runroot, ctx.root]) {
    for (const m of mountsUnder(dir)) {
      try {
        sys.umount(m, MNT_DETACH);
      } catch { /* checked below */ }
    }
    if (mountsUnder(dir).length) throw new SkiffError("FAILED_PRECONDITION", `cannot reset: ${mountsUnder(dir)[0]} is still mounted`);
  }
  rmSync(ctx.root, { recursive: true, force: true });
  rmSync(ctx.runroot, { recursive: true, force: true });
};
