/** `commit CONTAINER [IMAGE]`: podman's output (copy progress on stderr, the ID on stdout). */
import { writeFileSync } from "node:fs";
import { commitContainer } from "../../build/commit.js";
import { SkiffError } from "../../errors.js";
import { tagName } from "../../image/remove.js";
import { listImages } from "../../image/images.js";
import { getRecord } from "../../container/store.js";
import { getSys } from "../../sys/index.js";
import type { Handler } from "../table/types.js";
import { pathsOf } from "./container-context.js";

export const commit: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const rec = getRecord(p, args[0]);
  let names: string[];
  try {
    names = args[1] ? [tagName(args[1])] : [];
  } catch {
    throw new SkiffError("INVALID_ARGUMENT", "invalid reference format");
  }
  const id = await commitContainer(p, rec, {
    names,
    changes: (opts.change as string[]) ?? [],
    author: opts.author as string | undefined,
    message: opts.message as string | undefined,
    format: opts.format === "docker" ? "docker" : "oci",
    pause: opts.pause === true,
    squash: opts.squash === true,
    includeVolumes: opts.includeVolumes === true,
    sys: await getSys(),
    log: ctx.log,
    rootless: ctx.rootless,
  });
  if (!opts.quiet) {
    const image = listImages(p).find((i) => i.id === id);
    const lines = ["Getting image source signatures", ...(image?.manifest.layers ?? []).map((l) => `Copying blob ${l.digest}`), `Copying config ${id}`, "Writing manifest to image destination", "Storing signatures"];
    ctx.stderr.write(`${lines.join("\n")}\n`);
  }
  if (typeof opts.iidfile === "string") writeFileSync(opts.iidfile, id);
  return `${id.slice(7)}\n`;
};
