/** attach, top, port, stats: looking at running containers. */
import { join } from "node:path";
import { ExitError, SkiffError } from "../../errors.js";
import { runtimeOf } from "../../container/runtime.js";
import { observedState } from "../../container/lifecycle.js";
import { bundleDir } from "../../container/paths.js";
import { listRecords } from "../../container/store.js";
import { formatList } from "../../output/format.js";
import { compactSize } from "../../output/units.js";
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";
import { containerProcs, goDuration, netBytes, topTable } from "../../container/procs.js";
import { readFileIn } from "../../snapshot/rooted.js";
import { withAliases } from "../../output/template.js";
import { alignColumns } from "../../output/tabwriter.js";
import { globalArgs, runRuntime } from "../../runtime/runc.js";
import type { Handler } from "../table/types.js";
import { isActive } from "../../container/record.js";
import { pathsOf, targets } from "./container-context.js";
import { attachedPorts, readAttachment } from "../../network/attachment.js";
import type { ContainerPaths } from "../../container/paths.js";
import type { ContainerRecord } from "../../container/record.js";
import { foreground } from "./run.js";


export const attachCommand: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const [rec] = targets(ctx, args.slice(0, 1), { latest: opts.latest });
  if (!rec) throw new SkiffError("NOT_FOUND", "no containers");
  if (!isActive(observedState(p, rec.id).status)) throw new SkiffError("FAILED_PRECONDITION", `you can only attach to running containers; ${rec.name} is not running`);
  const code = await foreground(ctx, p, rec, !opts.noStdin && rec.options.interactive, String(opts.detachKeys ?? "ctrl-p,ctrl-q"));
  if (code !== 0) throw new ExitError(code);
};

/** `top CTR [descriptors...]` (podman's: pid, user, args, pcpu, …): the runtime runs the host's ps on the container's processes. */
/**
 * top: podman's default columns from /proc, PIDs as the container sees them; with ps(1)
 * descriptors after the name, runc's ps (host PIDs, as podman's "hpid"-style columns are).
 */
export const top: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const [rec] = targets(ctx, args.slice(0, 1), { latest: opts.latest });
  const state = observedState(p, rec.id);
  if (!isActive(state.status) || !state.pid) throw new SkiffError("FAILED_PRECONDITION", `top can only be used on running containers; ${rec.name} is not running`);
  if (args.length > 1) {
    const rt = runtimeOf(p, rec);
    const log = join(bundleDir(p, rec.id), "runtime-ps.log");
    for (const d of args.slice(1)) if (!/^[a-z%]+$/.test(d)) throw new SkiffError("INVALID_ARGUMENT", `invalid top descriptor "${d}"`, { hint: "use ps(1) format names such as pid, user, args, pcpu, etime" });
    // runc picks the PID column out of ps's output to filter the container's processes
    return runRuntime(rt, [...globalArgs(rt, log), "ps", rec.id, "-o", [...new Set(["pid", ...args.slice(1)])].join(",")], log, `top ${rec.name}`);
  }
  const passwd = (() => {
    try {
      return readFileIn(`/proc/${state.pid}/root`, "/etc/passwd", 8 << 20);
    } catch {
      return "";
    }
  })();
  const names = new Map(passwd.split("\n").map((l) => l.split(":")).filter((f) => f.length > 2).map((f) => [Number(f[2]), f[0]]));
  const rows = topTable(containerProcs(state.pid), (uid) => names.get(uid) ?? String(uid), Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]));
  return `${alignColumns([["USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"], ...rows].map((r) => r.join("\t"))).join("\n")}\n`;
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

interface RuntimeStats {
  cpu?: { usage?: { total?: number } };
  memory?: { usage?: { usage?: number; limit?: number } };
  pids?: { current?: number };
  blkio?: { io_service_bytes_recursive?: { op?: string; value?: number }[] };
}

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

/** One sample of podman's stats columns; a container that is not running (named, or with -a) gets a row of zeros. */
async function statsSample({ ctx, args, opts }: Parameters<Handler>[0]): Promise<string> {
  const p = pathsOf(ctx);
  const list = args.length || opts.latest ? targets(ctx, args, { latest: opts.latest }) : listRecords(p).filter((r) => opts.all || isActive(observedState(p, r.id).status));
  const rows = [];
  for (const rec of list) {
    const state = observedState(p, rec.id);
    let data: RuntimeStats = {};
    if (isActive(state.status)) {
      const rt = runtimeOf(p, rec);
      const log = join(bundleDir(p, rec.id), "runtime-stats.log");
      const out = await runRuntime(rt, [...globalArgs(rt, log), "events", "--stats", rec.id], log, `stats ${rec.name}`).catch(() => "");
      try {
        data = (JSON.parse(out) as { data: RuntimeStats }).data ?? {};
      } catch { /* exited meanwhile: zeros */ }
    }
    const running = isActive(state.status) && state.pid !== undefined;
    const uptimeNs = running && state.startedAt ? (Date.now() - Date.parse(state.startedAt)) * 1e6 : 0;
    const cpuNs = data.cpu?.usage?.total ?? 0;
    const usage = data.memory?.usage?.usage ?? 0;
    const raw = data.memory?.usage?.limit ?? 0;
    const limit = running ? (!raw || raw > 2 ** 60 ? totalmem() : raw) : 0;
    const net = running ? netBytes(state.pid!) : { rx: 0, tx: 0 };
    const io = data.blkio?.io_service_bytes_recursive ?? [];
    const ioSum = (op: string) => io.filter((e) => e.op?.toLowerCase() === op).reduce((n, e) => n + (e.value ?? 0), 0);
    const pct = (x: number) => `${x.toFixed(2)}%`;
    const cpuPerc = uptimeNs ? pct((100 * cpuNs) / uptimeNs) : "0.00%";
    rows.push(withAliases({
      id: rec.id.slice(0, 12),
      name: rec.name,
      cpu_time: goDuration(cpuNs),
      cpu_percent: cpuPerc,
      avg_cpu: cpuPerc,
      mem_usage: `${compactSize(usage)} / ${compactSize(limit)}`,
      mem_percent: pct(limit ? (100 * usage) / limit : 0),
      net_io: `${compactSize(net.rx)} / ${compactSize(net.tx)}`,
      block_io: `${compactSize(ioSum("read"))} / ${compactSize(ioSum("write"))}`,
      pids: String(data.pids?.current ?? 0),
    }, { ID: rec.id.slice(0, 12), Name: rec.name, CPUPerc: cpuPerc, AVGCPU: cpuPerc, CPUTime: goDuration(cpuNs), MemUsage: `${compactSize(usage)} / ${compactSize(limit)}`, MemPerc: pct(limit ? (100 * usage) / limit : 0), NetIO: `${compactSize(net.rx)} / ${compactSize(net.tx)}`, BlockIO: `${compactSize(ioSum("read"))} / ${compactSize(ioSum("write"))}`, PIDs: String(data.pids?.current ?? 0), MemBytes: usage }));
  }
  return formatList(rows, {
    format: opts.format as string | undefined,
    defaultTemplate: "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}\t{{.CPUTime}}\t{{.AVGCPU}}",
    headers: { ID: "ID", Name: "NAME", CPUPerc: "CPU %", MemUsage: "MEM USAGE / LIMIT", MemPerc: "MEM %", NetIO: "NET IO", BlockIO: "BLOCK IO", PIDs: "PIDS", CPUTime: "CPU TIME", AVGCPU: "AVG CPU %" },
  });
}
