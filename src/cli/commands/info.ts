import { arch, hostname, platform } from "node:os";
import { cgroupMode, cniFacts, kernelRelease, overlaySupported } from "../../host/facts.js";
import { jsRuntimeVersion } from "../../runtime-info.js";
import { findExecutable, readRuntimeVersion } from "../../runtime/locate.js";
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

export const info: Handler = async ({ ctx, opts }) => {
  const runtimePath = findExecutable(ctx.runtime, ctx.env);
  const rv = runtimePath ? await readRuntimeVersion(runtimePath) : {};
  const mode = cgroupMode();
  const cni = cniFacts();
  const data = {
    Host: {
      Arch: goArch(arch()),
      Os: platform(),
      Kernel: kernelRelease(),
      Hostname: hostname(),
      CgroupsVersion: mode === "unified" ? "v2" : mode === "none" ? "" : "v1",
      CgroupsMode: mode,
      Rootless: ctx.rootless,
      JsRuntime: jsRuntimeVersion(),
      OverlaySupported: overlaySupported(),
      OCIRuntime: { Name: ctx.runtime, Path: runtimePath ?? "", Version: rv.version ?? "", Found: runtimePath !== undefined },
      CNI: { Dir: cni.dir ?? "", Plugins: cni.found, Missing: cni.missing },
    },
    Store: {
      GraphRoot: ctx.root,
      RunRoot: ctx.runroot,
      GraphDriverName: ctx.storageDriver,
      ConfigFiles: ctx.config.sources,
      ContainerStore: containerCounts(ctx),
      ImageStore: { number: listImages({ root: ctx.root, runroot: ctx.runroot }).length },
      VolumeStore: { number: listVolumes(ctx.root).length },
    },
    Registries: {
      Search: ctx.config.registries.unqualifiedSearch,
      Insecure: ctx.config.registries.insecure,
      Mirrors: ctx.config.registries.mirrors,
    },
    Version: { Version: VERSION },
  };
  return formatObject(data, opts.format as string | undefined, (v) => toYamlish(v).replace(/^\n/, ""));
};

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
