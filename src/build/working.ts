/**
 * A build step's working container: a container record (purpose "build": ps shows it only with
 * --external, rm removes one an interrupted build left) on the step's parent state, its rootfs an
 * overlay like any container's. RUN runs it in the foreground under the runtime, its output on
 * our stdout; COPY writes into its mounted rootfs. Either way the upper dir becomes the layer.
 */
import { spawn } from "node:child_process";
import { randomHex } from "../util/crypto.js";
import type { Logger } from "../log.js";
import type { Sys } from "../sys/types.js";
import { SkiffError } from "../errors.js";
import type { ImageConfig } from "../image/manifest.js";
import { chainIds } from "../image/digest.js";
import { prepareBundle } from "../container/bundle.js";
import { mountRootfs } from "../container/rootfs.js";
import { releaseContainer, removeContainerFiles } from "../container/cleanup.js";
import { runtimeMountpoints } from "../container/files.js";
import type { ContainerOptions } from "../container/options.js";
import { upperDir, type ContainerPaths } from "../container/paths.js";
import type { ContainerRecord, MountInfo } from "../container/record.js";
import { runtimeFiles, runtimeOf } from "../container/runtime.js";
import { addRecord } from "../container/store.js";
import { runArgs } from "../runtime/runc.js";
import { takeRuntimeError } from "../runtime/runc.js";
import { layerFromUpper, type NewLayer } from "./layer.js";

export interface StepState {
  /** The state's ID: its config's digest (the config is stored as a blob). */
  id: string;
  name: string;
  config: ImageConfig;
}

export interface WorkingInputs {
  runtime: string;
  /** The build's --network, --cap-add, --ulimit, … as container options. */
  options: ContainerOptions;
  mounts: MountInfo[];
  /** RUN's command and environment (ARG values). */
  args: string[];
  env: string[];
}

export async function createWorking(p: ContainerPaths, parent: StepState, w: WorkingInputs): Promise<ContainerRecord> {
  const id = randomHex(32);
  const c = parent.config.config ?? {};
  const rec: ContainerRecord = {
    id,
    name: `${id.slice(0, 12)}-working-container`,
    created: new Date().toISOString(),
    image: { id: parent.id, name: parent.name, chainIds: chainIds(parent.config.rootfs.diff_ids) },
    options: { ...w.options, env: w.env, user: c.User || undefined, workdir: c.WorkingDir || undefined, entrypoint: "", autoRemove: false, tty: false, interactive: false, log: { driver: "none", maxSize: 0, maxFile: 1 } },
    userArgs: w.args,
    entrypoint: [],
    cmd: w.args,
    hostname: id.slice(0, 12),
    mounts: w.mounts,
    logPath: "",
    runtime: w.runtime,
    purpose: "build",
  };
  await addRecord(p, rec);
  return rec;
}

/** Runs RUN's command in the working container; resolves to its exit status. */
export async function runWorking(p: ContainerPaths, rec: ContainerRecord, config: ImageConfig, sys: Sys, output: "inherit" | "ignore"): Promise<number> {
  const bundle = await prepareBundle(p, rec, config, sys);
  const rt = runtimeOf(p, rec);
  const { pidFile, logFile } = runtimeFiles(p, rec.id);
  const child = spawn(rt.path, runArgs(rt, logFile, bundle, pidFile, rec.id), { stdio: ["ignore", output, output] });
  // Ctrl-C reaches the runtime too (same process group): it stops the step, we clean up after it
  const ignore = () => undefined;
  process.on("SIGINT", ignore);
  process.on("SIGTERM", ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on("error", (e) => reject(new SkiffError("UNAVAILABLE", `cannot run ${rt.path}: ${e.message}`)));
      child.on("close", (code, signal) => {
        const err = takeRuntimeError(logFile);
        if (code === null) return resolve(128 + (signal ? ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 } as Record<string, number>)[signal] ?? 1 : 1));
        // the runtime's own failure (not the command's exit status) says why in its log
        if (code !== 0 && err && !/exit status/.test(err)) return reject(new SkiffError("FAILED_PRECONDITION", err));
        resolve(code);
      });
    });
  } finally {
    process.off("SIGINT", ignore);
    process.off("SIGTERM", ignore);
  }
}

/** The working container's rootfs, mounted (COPY writes into it). */
export function mountWorking(p: ContainerPaths, rec: ContainerRecord, sys: Sys): string {
  return mountRootfs(p, rec, sys);
}

/** Unmounts and forgets the working container; its upper dir becomes the layer (none when nothing changed). */
export async function finishWorking(
  p: ContainerPaths, rec: ContainerRecord, base: string[], o: { sys: Sys; log: Logger; rootless: boolean; timestamp?: { seconds: number; clamp: boolean }; keep: boolean },
): Promise<NewLayer | undefined> {
  try {
    await releaseContainer(p, rec, o.sys);
    if (!o.keep) return undefined;
    return await layerFromUpper({
      store: p, sys: o.sys, log: o.log, rootless: o.rootless, upper: upperDir(p, rec.id), base,
      mountpoints: runtimeMountpoints(rec), timestamp: o.timestamp, move: true,
    });
  } finally {
    await removeContainerFiles(p, rec, false);
  }
}
