import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { observedState } from "../../container/lifecycle.js";
import { upperDir } from "../../container/paths.js";
import { listRecords } from "../../container/store.js";
import { listVolumes } from "../../volume/store.js";
import { listImages } from "../../image/images.js";
import { formatList } from "../../output/format.js";
import { humanSize } from "../../output/units.js";
import { hasSnapshot, readSnapshotInfo } from "../../snapshot/store.js";
import type { Handler } from "../table/types.js";
import { isActive } from "../../container/record.js";
import { storeOf } from "./image-context.js";
import { pathsOf } from "./container-context.js";

/** Bytes under `dir` (files counted once per inode), without following links. */
export function diskUsage(dir: string, seen = new Set<number>()): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const n of names) {
    const path = join(dir, n);
    const st = lstatSync(path);
    if (st.isDirectory()) total += diskUsage(path, seen);
    else if (!seen.has(st.ino)) {
      seen.add(st.ino);
      total += st.size;
    }
  }
  return total;
}

/** podman's `system df`. Shared layers count once; an image or volume a container uses is active. */
export const systemDf: Handler = async ({ ctx, opts }) => {
  const store = storeOf(ctx);
  const images = listImages(store);
  const layers = new Map<string, number>();
  for (const img of images) for (const c of img.chainIds) if (!layers.has(c)) layers.set(c, hasSnapshot(store, c) ? readSnapshotInfo(store, c).size : 0);
  const size = [...layers.values()].reduce((a, b) => a + b, 0);
  const row = (Type: string, Total: number, Active: number, RawSize: number, RawReclaimable: number) => ({
    Type, Total, Active, RawSize, RawReclaimable,
    Size: humanSize(RawSize),
    Reclaimable: `${humanSize(RawReclaimable)} (${RawSize ? Math.round((100 * RawReclaimable) / RawSize) : 0}%)`,
  });
  const p = pathsOf(ctx);
  const containers = listRecords(p).map((rec) => ({ rec, state: observedState(p, rec.id) }));
  const running = containers.filter((c) => isActive(c.state.status));
  const usedChains = new Set(containers.flatMap((c) => c.rec.image.chainIds));
  const usedImages = images.filter((i) => containers.some((c) => c.rec.image.id === i.id));
  const freeImageBytes = [...layers].filter(([c]) => !usedChains.has(c)).reduce((a, [, n]) => a + n, 0);
  const upper = new Map(containers.map((c) => [c.rec.id, diskUsage(upperDir(p, c.rec.id))]));
  const ctrSize = [...upper.values()].reduce((a, b) => a + b, 0);
  const ctrFree = containers.filter((c) => !running.includes(c)).reduce((a, c) => a + upper.get(c.rec.id)!, 0);
  const volumes = listVolumes(ctx.root);
  const usedVolumes = new Set(containers.flatMap((c) => c.rec.mounts.filter((m) => m.type === "volume").map((m) => m.name)));
  const volSizes = volumes.map((v) => ({ v, size: diskUsage(v.Mountpoint) }));
  const rows = [
    row("Images", images.length, usedImages.length, size, freeImageBytes),
    row("Containers", containers.length, running.length, ctrSize, ctrFree),
    row("Local Volumes", volumes.length, volumes.filter((v) => usedVolumes.has(v.Name)).length, volSizes.reduce((a, x) => a + x.size, 0), volSizes.filter((x) => !usedVolumes.has(x.v.Name)).reduce((a, x) => a + x.size, 0)),
  ];
  return formatList(rows, {
    format: opts.format as string | undefined,
    defaultTemplate: "{{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
  });
};
