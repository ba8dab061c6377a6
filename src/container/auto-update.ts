/**
 * `auto-update`: containers labelled io.containers.autoupdate=registry (their image name pulled
 * again: a new digest is an update) or =local (the name now points at another local image) are
 * recreated from the same definition on the new image and started; with a health check, the new
 * one must turn healthy. When it does not start (or turns unhealthy), the container is made again
 * on the old image (--rollback, the default). No systemd unit is needed: the shim supervises the
 * new container as it did the old one.
 */
import { SkiffError } from "../errors.js";
import type { ImageRecord } from "../image/images.js";
import type { Sys } from "../sys/types.js";
import { createContainer } from "./create.js";
import { readHealth } from "./health-state.js";
import { observedState, removeContainer, startContainer } from "./lifecycle.js";
import type { ContainerPaths } from "./paths.js";
import type { ContainerRecord } from "./record.js";
import { listRecords } from "./store.js";

export const AUTOUPDATE_LABEL = "io.containers.autoupdate";

export interface UpdateReport { Unit: string; Container: string; ContainerName: string; ContainerID: string; Image: string; Policy: string; Updated: "true" | "false" | "pending" | "failed" | "rolled back" }

export interface UpdateIO {
  /** The image `name` now: registry policy pulls it (dry run: undefined when the registry has the same), local looks it up. */
  latest(name: string, policy: "registry" | "local", dryRun: boolean): Promise<{ id: string; record?: ImageRecord } | undefined>;
  imageById(id: string): ImageRecord | undefined;
  sys: Sys;
  /** How long a new container with a health check has to turn healthy. */
  healthyWithinMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Made anew from `rec`'s definition on `image`, and started. */
async function recreate(p: ContainerPaths, rec: ContainerRecord, image: ImageRecord, io: UpdateIO): Promise<ContainerRecord> {
  await removeContainer(p, rec, io.sys, { force: true, volumes: false, timeout: rec.options.stopTimeout });
  // the check is decided again from the new image and the flags it was made with
  const made = await createContainer(p, { record: image, name: rec.image.name }, rec.options, rec.userArgs, { runtime: rec.runtime, createCommand: rec.createCommand });
  await startContainer(p, made, io.sys, { attachWait: false });
  return made;
}

/** Whether the new container came up: running, and healthy when it has a check. */
async function cameUp(p: ContainerPaths, rec: ContainerRecord, io: UpdateIO): Promise<boolean> {
  const deadline = Date.now() + (rec.options.health ? io.healthyWithinMs : 1000);
  for (;;) {
    const s = observedState(p, rec.id);
    if (s.status !== "running") return false;
    const h = rec.options.health ? readHealth(p, rec.id)?.Status : "healthy";
    if (h === "healthy") return true;
    if (h === "unhealthy" || Date.now() > deadline) return false;
    await sleep(100);
  }
}

export async function autoUpdate(p: ContainerPaths, io: UpdateIO, o: { dryRun: boolean; rollback: boolean }): Promise<UpdateReport[]> {
  const out: UpdateReport[] = [];
  for (const rec of listRecords(p)) {
    const policy = rec.options.labels[AUTOUPDATE_LABEL];
    if (!policy) continue;
    if (policy !== "registry" && policy !== "local") throw new SkiffError("INVALID_ARGUMENT", `container ${rec.name}: ${AUTOUPDATE_LABEL}=${policy}: expected registry or local`);
    const report: UpdateReport = { Unit: "", Container: `${rec.id.slice(0, 12)} (${rec.name})`, ContainerName: rec.name, ContainerID: rec.id, Image: rec.image.name, Policy: policy, Updated: "false" };
    out.push(report);
    const latest = await io.latest(rec.image.name, policy, o.dryRun);
    if (!latest || latest.id === rec.image.id) continue;
    if (o.dryRun) { report.Updated = "pending"; continue; }
    const old = io.imageById(rec.image.id);
    const fresh = latest.record ?? io.imageById(latest.id);
    if (!fresh) throw new SkiffError("NOT_FOUND", `image ${latest.id} is not in the store`);
    let made: ContainerRecord | undefined;
    try {
      made = await recreate(p, rec, fresh, io);
      if (await cameUp(p, made, io)) { report.Updated = "true"; continue; }
    } catch { /* rolled back below */ }
    report.Updated = "failed";
    if (!o.rollback || !old) continue;
    const current = made ?? listRecords(p).find((r) => r.name === rec.name);
    if (current) await removeContainer(p, current, io.sys, { force: true, volumes: false, timeout: 0 }).catch(() => undefined);
    const back = await createContainer(p, { record: old, name: rec.image.name }, rec.options, rec.userArgs, { runtime: rec.runtime, createCommand: rec.createCommand });
    await startContainer(p, back, io.sys, { attachWait: false });
    report.Updated = "rolled back";
  }
  return out;
}
