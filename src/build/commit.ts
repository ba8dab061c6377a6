/**
 * `commit`: a container's writable layer as one new layer on its image, with the container's own
 * configuration (its command, environment, working directory, user, labels) and the `--change`
 * edits, as podman commits it. The container keeps running unless --pause asks otherwise.
 */
import type { Logger } from "../log.js";
import type { Sys } from "../sys/types.js";
import { SkiffError } from "../errors.js";
import { applyChanges } from "../image/changes.js";
import { holdStoreShared } from "../image/gc.js";
import { listImages } from "../image/images.js";
import type { ImageConfig } from "../image/manifest.js";
import { writeImage, type ImageFormat } from "../image/write.js";
import { runtimeMountpoints } from "../container/files.js";
import { imageConfigOf, observedState, pauseInRuntime } from "../container/lifecycle.js";
import { isVfs, upperDir, type ContainerPaths } from "../container/paths.js";
import type { ContainerRecord } from "../container/record.js";
import { containerEnvironment } from "../spec/build.js";
import { layerFromUpper } from "./layer.js";
import { squashImage } from "./squash.js";

export interface CommitOptions {
  names: string[];
  changes: string[];
  author?: string;
  message?: string;
  format: ImageFormat;
  pause: boolean;
  squash: boolean;
  includeVolumes: boolean;
  sys: Sys;
  log: Logger;
  rootless: boolean;
}

/** The image config a commit of `rec` gets, before its new layer is added. Pure. */
export function committedConfig(base: ImageConfig, rec: ContainerRecord, o: Pick<CommitOptions, "changes" | "author" | "includeVolumes">): ImageConfig {
  const c = base.config ?? {};
  const volumes = o.includeVolumes ? Object.fromEntries(rec.mounts.filter((m) => m.type === "volume").map((m) => [m.destination, {}])) : {};
  const settings = {
    ...c,
    Env: containerEnvironment(c.Env, rec.options.env),
    Entrypoint: rec.entrypoint.length ? rec.entrypoint : undefined,
    Cmd: rec.cmd.length ? rec.cmd : undefined,
    WorkingDir: rec.options.workdir ?? (c.WorkingDir || "/"),
    ...(rec.options.user ?? c.User ? { User: rec.options.user ?? c.User } : {}),
    Labels: { ...(c.Labels ?? {}), ...rec.options.labels },
    ...(Object.keys({ ...c.Volumes, ...volumes }).length ? { Volumes: { ...c.Volumes, ...volumes } } : {}),
    ...(rec.options.stopSignal && rec.options.stopSignal !== "SIGTERM" ? { StopSignal: rec.options.stopSignal } : {}),
  };
  const out = applyChanges(settings, o.changes);
  if (Object.keys(out.Labels ?? {}).length === 0) delete out.Labels;
  return { ...base, ...(o.author ? { author: o.author } : {}), config: out };
}

export async function commitContainer(p: ContainerPaths, rec: ContainerRecord, o: CommitOptions): Promise<string> {
  if (o.message && o.format === "oci") throw new SkiffError("INVALID_ARGUMENT", "messages are only compatible with the docker image format (-f docker)");
  if (isVfs(rec)) throw new SkiffError("NOT_IMPLEMENTED", `container ${rec.name} uses the vfs storage driver: its changes are not kept apart from the image yet`, { hint: "diff and commit need an overlay container (the default driver)" });
  const base = imageConfigOf(p, rec);
  const image = listImages(p).find((i) => i.id === rec.image.id);
  if (!image) throw new SkiffError("NOT_FOUND", `container ${rec.name}: image ${rec.image.id.slice(7, 19)} is no longer in the store`);
  const config = committedConfig(base, rec, o);
  const hold = await holdStoreShared(p);
  const paused = o.pause && observedState(p, rec.id).status === "running";
  try {
    if (paused) await pauseInRuntime(p, rec, true);
    let made;
    try {
      made = await layerFromUpper({
        store: p, sys: o.sys, log: o.log, rootless: o.rootless, upper: upperDir(p, rec.id),
        base: base.rootfs.diff_ids, mountpoints: runtimeMountpoints(rec), move: false, keepEmpty: true,
      });
    } finally {
      if (paused) await pauseInRuntime(p, rec, false);
    }
    const created = new Date().toISOString();
    const history = [...(base.history ?? []), {
      created,
      created_by: [...rec.entrypoint, ...rec.cmd].join(" ") || "/bin/sh",
      ...(o.author ? { author: o.author } : {}),
      comment: o.message ?? `FROM ${rec.image.name}`,
    }];
    let out: ImageConfig = { ...config, created, rootfs: { type: "layers", diff_ids: [...base.rootfs.diff_ids, made!.diffId] }, history };
    let layers = [...image.manifest.layers, made!.layer];
    if (o.squash) ({ config: out, layers } = await squashImage(p, out, o));
    const { id } = await writeImage(p, o.message ? { ...out, comment: o.message } as ImageConfig : out, layers, o.names, { format: o.format });
    return id;
  } finally {
    hold.release();
  }
}
