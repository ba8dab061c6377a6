/** `auto-update [--dry-run] [--rollback] [--format]`: podman's table (UNIT CONTAINER IMAGE POLICY UPDATED). */
import { plainHttpMemo } from "../../image/registry/plain-http.js";
import { autoUpdate, type UpdateReport } from "../../container/auto-update.js";
import { findImage, listImages } from "../../image/images.js";
import { sha256Of } from "../../image/digest.js";
import { parseReference, qualify } from "../../image/reference.js";
import { createRegistryClient } from "../../image/registry/client.js";
import { formatList } from "../../output/format.js";
import { getSys } from "../../sys/index.js";
import type { Context } from "../context.js";
import type { Handler } from "../table/types.js";
import { pathsOf } from "./container-context.js";
import { storeOf } from "./image-context.js";
import { pullCredentials } from "./login.js";

/** Whether the registry has another manifest under `name` than the one `image` was pulled as. */
async function remoteDiffers(ctx: Context, name: string, pulledAs: string[]): Promise<boolean> {
  const ref = qualify(parseReference(name), parseReference(name).domain ?? "localhost");
  const client = createRegistryClient({ registry: ref.domain, insecure: ctx.config.registries.insecure.includes(ref.domain), credentials: pullCredentials(ctx, undefined, ref.domain, ref.path), timeoutSeconds: ctx.config.registries.timeout, plainHttp: plainHttpMemo(ctx.runroot) });
  const m = await client.getManifest(ref.path, ref.tag ?? "latest");
  return !pulledAs.some((d) => d.endsWith(`@${sha256Of(m.data)}`));
}

export const autoUpdateCommand: Handler = async ({ ctx, opts }) => {
  const p = pathsOf(ctx);
  const s = storeOf(ctx);
  const search = ctx.config.registries.unqualifiedSearch;
  const reports: UpdateReport[] = await autoUpdate(p, {
    async latest(name, policy, dryRun) {
      const current = findImage(s, name, search);
      if (policy === "local") return current ? { id: current.id, record: current } : undefined;
      if (dryRun) return (await remoteDiffers(ctx, name, current?.digests ?? [])) ? { id: "remote" } : current && { id: current.id };
      const { pullFor } = await import("./pull.js");
      const pulled = await pullFor(ctx, name, { quiet: true, authfile: opts.authfile });
      return { id: pulled.id, record: findImage(s, pulled.id, []) };
    },
    imageById: (id) => listImages(s).find((i) => i.id === id),
    sys: await getSys(),
    healthyWithinMs: 120_000,
  }, { dryRun: opts.dryRun === true, rollback: opts.rollback !== false });
  const format = opts.format as string | undefined;
  // nothing labelled: nothing printed, no header either (podman's)
  if (reports.length === 0 && (format === undefined || format === "")) return "";
  return formatList(reports, { format, defaultTemplate: "{{.Unit}}\t{{.Container}}\t{{.Image}}\t{{.Policy}}\t{{.Updated}}" });
};
