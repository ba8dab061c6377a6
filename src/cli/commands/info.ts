import { existsSync, readFileSync, statfsSync } from "node:fs";
import { arch, cpus, freemem, hostname, platform, totalmem, uptime } from "node:os";
import { DEFAULT_CAPS } from "../../spec/defaults.js";
import { OMITTED_EMPTY, toJsonValue, withGoNames } from "../../output/template.js";
import { cgroupMode, cniFacts, kernelRelease, overlaySupported } from "../../host/facts.js";
import { jsRuntimeVersion } from "../../runtime-info.js";
import { findExecutable, readRuntimeVersion } from "../../runtime/locate.js";
import { builtin } from "../../util/builtin.js";
import { VERSION } from "../../version.js";
import { formatObject } from "../../output/format.js";
import { goArch } from "./version.js";
import type { Handler } from "../table/types.js";
import type { Context } from "../context.js";
import { observedState } from "../../container/lifecycle.js";
import { listRecords } from "../../container/store.js";
import { listImages } from "../../image/images.js";
import { listVolumes } from "../../volume/store.js";

/** Indented "key: value" text, like podman's YAML-ish default output. */
export function toYamlish(v: unknown, indent = ""): string {
  if (v === null || typeof v !== "object") return ` ${v === "" ? '""' : String(v)}\n`;
  if (Array.isArray(v)) return v.length === 0 ? " []\n" : `\n${v.map((x) => `${indent}- ${String(x)}\n`).join("")}`;
  const entries = Object.entries(v);
  if (entries.length === 0) return " {}\n";
  return `${indent ? "\n" : ""}${entries.map(([k, x]) => `${indent}${k}:${toYamlish(x, `${indent}  `)}`).join("")}`;
}

/** /etc/os-release as podman's host.distribution. */
function distribution(): { distribution: string; variant: unknown; version: string; codename: string } {
  let text = "";
  try {
    text = readFileSync("/etc/os-release", "utf8");
  } catch { /* none */ }
  const get = (k: string): string => new RegExp(`^${k}="?([^"\n]*)"?$`, "m").exec(text)?.[1] ?? "";
  return { distribution: get("ID"), variant: get("VARIANT_ID") || OMITTED_EMPTY, version: get("VERSION_ID"), codename: get("VERSION_CODENAME") };
}

function meminfo(key: string): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/meminfo", "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** podman's "2h 12m 32.00s (Approximately 0.08 days)". */
function uptimeText(): string {
  const s = uptime();
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = (s % 60).toFixed(2);
  return `${h}h ${m}m ${sec}s (Approximately ${(s / 86400).toFixed(2)} days)`;
}

/** Go names of info's fields where they are not just the json tag capitalised. */
const GO_NAMES = {
  cgroupVersion: "CgroupsVersion", cpus: "CPUs", cpuUtilization: "CPUUtilization", idMappings: "IDMappings", ociRuntime: "OCIRuntime", os: "OS",
  slirp4netns: "Slirp4NetNS", gidmap: "GIDMap", uidmap: "UIDMap", apparmorEnabled: "AppArmorEnabled", selinuxEnabled: "SELinuxEnabled",
  seccompEnabled: "SECCOMPEnabled", seccompProfilePath: "SECCOMPProfilePath", jsRuntime: "JsRuntime", cni: "CNI",
};

/** podman's info: its JSON keys (host, store, registries, plugins, version), its Go names in templates; skiff's own facts beside them. */
export const info: Handler = async ({ ctx, opts }) => {
  const runtimePath = findExecutable(ctx.runtime, ctx.env);
  const rv = runtimePath ? await readRuntimeVersion(runtimePath) : {};
  const mode = cgroupMode();
  const cni = cniFacts();
  let fs = { blocks: 0, bsize: 0, bfree: 0 };
  try {
    fs = statfsSync(existsSync(ctx.root) ? ctx.root : "/");
  } catch { /* unknown */ }
  const data = withGoNames({
    host: {
      arch: goArch(arch()),
      buildahVersion: "",
      cgroupManager: "cgroupfs",
      cgroupVersion: mode === "unified" ? "v2" : mode === "none" ? "" : "v1",
      cgroupControllers: [] as string[],
      conmon: { package: "", path: process.execPath, version: `skiff shim ${VERSION}` },
      cpus: cpus().length,
      cpuUtilization: { userPercent: 0, systemPercent: 0, idlePercent: 0 },
      distribution: distribution(),
      eventLogger: "none",
      hostname: hostname(),
      // the rootless namespace's mappings (podman's form); none as root
      idMappings: ctx.rootless ? { gidmap: idMap("/proc/self/gid_map"), uidmap: idMap("/proc/self/uid_map") } : { gidmap: null, uidmap: null },
      kernel: kernelRelease(),
      logDriver: "k8s-file",
      memFree: freemem(),
      memTotal: totalmem(),
      networkBackend: "cni",
      ociRuntime: { name: ctx.runtime, package: "", path: runtimePath ?? "", version: rv.version ?? "" },
      os: platform(),
      remoteSocket: { path: "" },
      serviceIsRemote: false,
      security: { apparmorEnabled: false, capabilities: DEFAULT_CAPS.join(","), rootless: ctx.rootless, seccompEnabled: true, seccompProfilePath: "", selinuxEnabled: false },
      slirp4netns: slirpFacts(ctx),
      swapFree: meminfo("SwapFree"),
      swapTotal: meminfo("SwapTotal"),
      uptime: uptimeText(),
      linkmode: "static",
      // skiff's own
      cgroupsMode: mode,
      jsRuntime: jsRuntimeVersion(),
      overlaySupported: overlaySupported(),
      ociRuntimeFound: runtimePath !== undefined,
      cni: { dir: cni.dir ?? "", plugins: cni.found, missing: cni.missing },
    },
    store: {
      configFile: ctx.config.sources[0] ?? "",
      containerStore: containerCounts(ctx),
      graphDriverName: ctx.storageDriver,
      graphOptions: {},
      graphRoot: ctx.root,
      graphRootAllocated: fs.blocks * fs.bsize,
      graphRootUsed: (fs.blocks - fs.bfree) * fs.bsize,
      graphStatus: { "Backing Filesystem": "", "Native Overlay Diff": String(overlaySupported()), "Supports d_type": "true", "Using metacopy": "false" },
      imageCopyTmpDir: "/var/tmp",
      imageStore: { number: listImages({ root: ctx.root, runroot: ctx.runroot }).length },
      runRoot: ctx.runroot,
      volumePath: `${ctx.root}/volumes`,
      configFiles: ctx.config.sources,
      volumeStore: { number: listVolumes(ctx.root).length },
    },
    registries: {
      search: ctx.config.registries.unqualifiedSearch,
      insecure: ctx.config.registries.insecure,
      mirrors: ctx.config.registries.mirrors,
    },
    plugins: { volume: ["local"], network: ["bridge"], log: ["k8s-file", "none"], authorization: null },
    version: { APIVersion: VERSION, Version: VERSION, GoVersion: jsRuntimeVersion(), GitCommit: "", BuiltTime: "", Built: 0, OsArch: `${platform()}/${goArch(arch())}`, Os: platform() },
  }, GO_NAMES);
  return formatObject(data, opts.format as string | undefined, (v) => toYamlish(toJsonValue(v)).replace(/^\n/, ""));
};

/** A /proc/self/[ug]id_map as podman's idMappings list it. */
function idMap(file: string): { container_id: number; host_id: number; size: number }[] {
  try {
    return readFileSync(file, "utf8").trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number)).map(([c, h, n]) => ({ container_id: c, host_id: h, size: n }));
  } catch {
    return [];
  }
}

/** slirp4netns, the rootless network, as podman reports it (its --version text). */
function slirpFacts(ctx: Context): { executable: string; package: string; version: string } {
  const executable = findExecutable("slirp4netns", ctx.env) ?? "";
  if (!executable) return { executable, package: "", version: "" };
  const { spawnSync } = builtin<typeof import("node:child_process")>("node:child_process");
  const r = spawnSync(executable, ["--version"], { encoding: "utf8", timeout: 5000 });
  return { executable, package: "", version: (r.stdout ?? "").trim() };
}

/** podman's Store.ContainerStore: how many containers, and in which state. */
function containerCounts(ctx: Context) {
  const p = { root: ctx.root, runroot: ctx.runroot };
  const states = listRecords(p).map((r) => observedState(p, r.id).status);
  return {
    number: states.length,
    paused: states.filter((s) => s === "paused").length,
    running: states.filter((s) => s === "running" || s === "stopping").length,
    stopped: states.filter((s) => s === "exited" || s === "created").length,
  };
}
