/** attach, top, port, stats: looking at running containers. */
import { join } from "node:path";
import { ExitError, SkiffError } from "../../errors.js";
import { runtimeOf } from "../../container/runtime.js";
import { observedState } from "../../container/lifecycle.js";
import { bundleDir } from "../../container/paths.js";
import { getRecord, listRecords } from "../../container/store.js";
import { formatList } from "../../output/format.js";
import { humanSize } from "../../output/units.js";
import { globalArgs, runRuntime } from "../../runtime/runc.js";
import type { Handler } from "../table/types.js";
import { isActive } from "../../container/record.js";
import { pathsOf, targets } from "./container-context.js";
import { attachedPorts, readAttachment } from "../../network/attach.js";
import type { ContainerPaths } from "../../container/paths.js";
import type { ContainerRecord } from "../../container/record.js";
import { foreground } from "./run.js";


export const attachCommand: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const all = listRecords(p);
  const rec = opts.latest ? all[all.length - 1] : getRecord(p, args[0], all);
  if (!rec) throw new SkiffError("NOT_FOUND", "no containers");
  if (!isActive(observedState(p, rec.id).status)) throw new SkiffError("FAILED_PRECONDITION", `you can only attach to running containers; ${rec.name} is not running`);
  const code = await foreground(ctx, p, rec, !opts.noStdin && rec.options.interactive, String(opts.detachKeys ?? "ctrl-p,ctrl-q"));
  if (code !== 0) throw new ExitError(code);
};

/** `top CTR [descriptors...]` (podman's: pid, user, args, pcpu, …): the runtime runs the host's ps on the container's processes. */
export const top: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const [rec] = targets(ctx, args.slice(0, 1), { latest: opts.latest });
  if (!isActive(observedState(p, rec.id).status)) throw new SkiffError("FAILED_PRECONDITION", `top can only be used on running containers; ${rec.name} is not running`);
  const rt = runtimeOf(p, rec);
  const log = join(bundleDir(p, rec.id), "runtime-ps.log");
  const descriptors = args.length > 1 ? args.slice(1) : ["user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"];
  for (const d of descriptors) if (!/^[a-z%]+$/.test(d)) throw new SkiffError("INVALID_ARGUMENT", `invalid top descriptor "${d}"`, { hint: "use ps(1) format names such as pid, user, args, pcpu, etime" });
  // runc picks the PID column out of ps's output to filter the container's processes
  const psArgs = ["-o", [...new Set(["pid", ...descriptors])].join(",")];
  return runRuntime(rt, [...globalArgs(rt, log), "ps", rec.id, ...psArgs], log, `top ${rec.name}`);
};

/** "80/tcp -> 0.0.0.0:8080" lines of a container's published ports (as bound at its last start). */
function portLines(p: ContainerPaths, rec: ContainerRecord, filter?: string): string[] {
  const att = isActive(observedState(p, rec.id).status) ? readAttachment(p.runroot, rec.id) : undefined;
  return attachedPorts(att)
    .filter((m) => !filter || filter === String(m.containerPort) || filter === `${m.containerPort}/${m.protocol}`)
    .map((m) => `${m.containerPort}/${m.protocol} -> ${m.hostIp || "0.0.0.0"}:${m.hostPort}`);
}

export const port: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  if (opts.all) return listRecords(p).flatMap((r) => portLines(p, r).map((l) => `${r.id.slice(0, 12)}\t${l}\n`)).join("");
  const [rec] = targets(ctx, args.slice(0, 1), { latest: opts.latest });
  const lines = portLines(p, rec, args[1]);
  // podman: nothing published there is no error and no output
  return lines.map((l) => `${args[1] ? l.split(" -> ")[1] : l}\n`).join("");
};

interface RuntimeStats { cpu?: { usage?: { total?: number } }; memory?: { usage?: { usage?: number; limit?: number } }; pids?: { current?: number } }

/** One sample per container, or with no --no-stream a new one every two seconds until interrupted. */
export const stats: Handler = async (inv) => {
  if (inv.opts.noStream) return statsSample(inv);
  for (;;) {
    const out = await statsSample(inv);
    // a terminal gets the table redrawn in place, unless --no-reset
    if (inv.ctx.stdout.isTTY && !inv.opts.noReset) inv.ctx.stdout.write("\x1b[H\x1b[2J");
    inv.ctx.stdout.write(out);
    await new Promise((r) => setTimeout(r, 2000));
  }
};

async function statsSample({ ctx, args, opts }: Parameters<Handler>[0]): Promise<string> {
  const p = pathsOf(ctx);
  const list = (args.length ? targets(ctx, args, {}) : listRecords(p)).filter((r) => isActive(observedState(p, r.id).status));
  const rows = [];
  for (const rec of list) {
    const rt = runtimeOf(p, rec);
    const log = join(bundleDir(p, rec.id), "runtime-stats.log");
    const out = await runRuntime(rt, [...globalArgs(rt, log), "events", "--stats", rec.id], log, `stats ${rec.name}`);
    const data = (JSON.parse(out) as { data: RuntimeStats }).data;
    const state = observedState(p, rec.id);
    const uptimeNs = state.startedAt ? (Date.now() - Date.parse(state.startedAt)) * 1e6 : 0;
    const usage = data.memory?.usage?.usage ?? 0;
    const limit = data.memory?.usage?.limit ?? 0;
    const unlimited = !limit || limit > 2 ** 60;
    rows.push({
      ID: rec.id.slice(0, 12),
      Name: rec.name,
      CPUPerc: uptimeNs ? `${((100 * (data.cpu?.usage?.total ?? 0)) / uptimeNs).toFixed(2)}%` : "--",
      MemUsage: `${humanSize(usage)} / ${unlimited ? "--" : humanSize(limit)}`,
      MemPerc: unlimited ? "--" : `${((100 * usage) / limit).toFixed(2)}%`,
      PIDs: String(data.pids?.current ?? 0),
      MemBytes: usage,
    });
  }
  return formatList(rows, {
    format: opts.format as string | undefined,
    defaultTemplate: "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.PIDs}}",
    headers: { ID: "ID", Name: "NAME", CPUPerc: "CPU %", MemUsage: "MEM USAGE / LIMIT", MemPerc: "MEM %", PIDs: "PIDS" },
  });
}
