import { listImages } from "../../image/images.js";
import { formatList } from "../../output/format.js";
import { humanSize } from "../../output/units.js";
import { hasSnapshot, readSnapshotInfo } from "../../snapshot/store.js";
import type { Handler } from "../table/types.js";
import { storeOf } from "./image-context.js";

/** podman's `system df`. Shared layers count once. Containers and volumes arrive with issue #4. */
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
  // no containers exist yet, so no image is active and all of it is reclaimable
  const rows = [row("Images", images.length, 0, size, size), row("Containers", 0, 0, 0, 0), row("Local Volumes", 0, 0, 0, 0)];
  return formatList(rows, {
    format: opts.format as string | undefined,
    defaultTemplate: "{{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
  });
};
