/** A new container record from an image and create options: names, hostname, volumes decided. */
import { containerEvent } from "../events/log.js";
import { randomBelow, randomHex } from "../util/crypto.js";
import { lstatSync } from "node:fs";
import { withImageUsers } from "../image/gc.js";
import { readIndex } from "../image/store/refs.js";
import { SkiffError, isSkiffError } from "../errors.js";
import { findImage, type ImageRecord } from "../image/images.js";
import { createVolume } from "../volume/store.js";
import type { PortMapping } from "../network/ports.js";
import { getNetwork } from "../network/store.js";
import { bridgeNetworks, type ContainerOptions, type CreateOptions } from "./options.js";
import { defaultLogPath, type ContainerPaths } from "./paths.js";
import type { ContainerRecord, MountInfo } from "./record.js";
import { entrypointAndCmd } from "./spec.js";
import { addRecord, findRecord, listRecords } from "./store.js";
import { withLock } from "../util/lock.js";
import { allocateRange } from "../rootless/auto-userns.js";
import type { IdMapping } from "../rootless/keep-id.js";
import { join } from "node:path";
import { generatedName } from "./names.js";
import { healthConfigOf } from "./health.js";

const newContainerId = () => randomHex(32);

/** Host sources for -v/--mount/--tmpfs and the image's VOLUMEs (anonymous volumes, as podman makes them). */
function resolveMounts(p: ContainerPaths, o: CreateOptions, image: ImageRecord): MountInfo[] {
  const out: MountInfo[] = [];
  const taken = new Set<string>();
  for (const v of o.volumes) {
    if (taken.has(v.destination)) throw new SkiffError("INVALID_ARGUMENT", `${v.destination}: duplicate mount destination`);
    taken.add(v.destination);
    if (v.kind === "bind") {
      try {
        lstatSync(v.source);
      } catch {
        throw new SkiffError("NOT_FOUND", `bind mount source ${v.source}: no such file or directory`);
      }
      out.push({ type: "bind", source: v.source, destination: v.destination, rw: v.rw, options: v.options });
    } else if (v.kind === "tmpfs") {
      out.push({ type: "tmpfs", source: "tmpfs", destination: v.destination, rw: v.rw, options: v.options });
    } else if (v.kind === "image") {
      // by ID (run/create resolved the name): the image as it is now, whatever happens to its name
      const img = findImage(p, v.source, []);
      if (!img) throw new SkiffError("NOT_FOUND", `${v.name ?? v.source}: image not known`);
      out.push({ type: "image", source: img.id, name: v.name ?? img.names[0], destination: v.destination, rw: v.rw, options: [], chainIds: img.chainIds });
    } else {
      const vol = createVolume(p.root, v.source || undefined, { existingOk: true });
      out.push({ type: "volume", source: vol.Mountpoint, name: vol.Name, destination: v.destination, rw: v.rw, options: v.options, anonymous: !v.source });
    }
  }
  for (const dest of Object.keys(image.config.config?.Volumes ?? {})) {
    if (taken.has(dest) || !dest.startsWith("/")) continue;
    const vol = createVolume(p.root, undefined);
    out.push({ type: "volume", source: vol.Mountpoint, name: vol.Name, destination: dest, rw: true, options: [], anonymous: true });
  }
  return out;
}

/** -P: every port the image exposes ("80/tcp"), each to a host port chosen at start. */
function exposedPorts(image: ImageRecord): PortMapping[] {
  return Object.keys(image.config.config?.ExposedPorts ?? {}).flatMap((k) => {
    const [port, proto = "tcp"] = k.split("/");
    return /^\d+$/.test(port) && ["tcp", "udp", "sctp"].includes(proto) ? [{ hostIp: "", hostPort: 0, containerPort: Number(port), protocol: proto as PortMapping["protocol"] }] : [];
  });
}

export async function createContainer(
  p: ContainerPaths,
  image: { record: ImageRecord; name: string },
  o: ContainerOptions,
  userArgs: string[],
  extra: { runtime: string; replace?: (existingId: string) => Promise<void>; createCommand?: string[]; autoIds?: { size: number; total: number; uidMapping?: IdMapping[]; gidMapping?: IdMapping[] } },
): Promise<ContainerRecord> {
  // --network container:NAME is kept by ID: a later rename must not change what it joins
  if (o.network.startsWith("container:")) {
    const other = findRecord(p, o.network.slice("container:".length));
    if (!other) throw new SkiffError("NOT_FOUND", `--network ${o.network}: no such container`);
    o = { ...o, network: `container:${other.id}` };
  }
  for (const n of bridgeNetworks(o)) getNetwork(p.root, n); // podman refuses an unknown network at create
  const id = newContainerId();
  const name = o.name ?? generatedName();
  const { entrypoint, cmd } = entrypointAndCmd(image.record.config, o, userArgs);
  // the image's HEALTHCHECK and the flags, decided once: the shim runs what the record says
  // (the flags are kept too: auto-update decides the check again for a new image)
  const { health: _previous, ...rest } = o;
  const health = healthConfigOf(image.record.config.config?.Healthcheck, o.healthFlags ?? {});
  o = { ...rest, ...(health ? { health } : {}) };
  if (entrypoint.length + cmd.length === 0) throw new SkiffError("INVALID_ARGUMENT", "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
  const rec: ContainerRecord = {
    id,
    name,
    created: new Date().toISOString(),
    image: { id: image.record.id, name: image.name, chainIds: image.record.chainIds },
    options: { ...o, stopSignal: o.stopSignal || image.record.config.config?.StopSignal || "SIGTERM", publish: [...(o.publish ?? []), ...(o.publishAll ? exposedPorts(image.record) : [])] },
    userArgs,
    entrypoint,
    cmd,
    hostname: o.hostname ?? id.slice(0, 12),
    mounts: resolveMounts(p, o, image.record),
    logPath: o.log.path ?? defaultLogPath(p, id),
    runtime: extra.runtime,
    ...(extra.createCommand ? { createCommand: extra.createCommand } : {}),
  };
  const add = async () => {
    // a generated name that happens to be taken is drawn again (the store decides, under its lock)
    for (let attempt = 0; ; attempt++) {
      try {
        await addRecord(p, rec, extra.replace);
        containerEvent(p.root, rec, "create");
        return rec;
      } catch (err) {
        if (o.name || attempt > 1000 || !isSkiffError(err, "ALREADY_EXISTS")) throw err;
        // drawn again until one is free; past a few hundred draws the store is crowded: add digits
        rec.name = attempt < 100 ? generatedName() : `${generatedName()}${randomBelow(100000)}`;
      }
    }
  };
  return withImageUsers(p, "create", async () => {
    // an rmi that ran since the image was looked up: no container on an image that is gone
    if (!readIndex(p).manifests.some((d) => d.digest === image.record.manifestDigest)) {
      throw new SkiffError("NOT_FOUND", `${image.name}: image not known`, { hint: "it was removed while the container was being created" });
    }
    if (!extra.autoIds) return add();
    const want = extra.autoIds;
    // the range is chosen and the record written under one lock: two creates never get the same IDs
    return withLock(join(p.runroot, "locks", "userns-auto.lock"), { what: "the --userns auto ranges" }, async () => {
      const used = listRecords(p).flatMap((r) => (r.options.autoIds ? [r.options.autoIds] : []));
      const range = allocateRange(used, want.size, want.total);
      if (!range) {
        throw new SkiffError("FAILED_PRECONDITION", `--userns auto: could not find enough available IDs (${want.size} needed, ${want.total - 1 - used.reduce((n, r) => n + r.size, 0)} free)`, { hint: "remove containers made with --userns auto, ask for fewer with auto:size=N, or give the user more subordinate IDs in /etc/subuid and /etc/subgid" });
      }
      rec.options.autoIds = { ...range, ...(want.uidMapping ? { uidMapping: want.uidMapping } : {}), ...(want.gidMapping ? { gidMapping: want.gidMapping } : {}) };
      return add();
    });
  });
}
