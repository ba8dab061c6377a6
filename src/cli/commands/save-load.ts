import { closeSync, createReadStream, openSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { SkiffError, errnoCode } from "../../errors.js";
import { findImage, listImages } from "../../image/images.js";
import { loadImages } from "../../image/load.js";
import { saveImages, type ArchiveFormat } from "../../image/save.js";
import { fdStream, isTerminalFd } from "../../output/stdio.js";
import { writeAllSync } from "../../util/write.js";
import { getSys } from "../../sys/index.js";
import type { Handler } from "../table/types.js";
import { platformOf, storeOf } from "./image-context.js";

export const save: Handler = async ({ ctx, args, opts }) => {
  const store = storeOf(ctx);
  const all = listImages(store);
  const images = args.map((a) => {
    const img = findImage(store, a, ctx.config.registries.unqualifiedSearch, all);
    if (!img) throw new SkiffError("NOT_FOUND", `${a}: image not known`);
    return img;
  });
  const format = opts.format as ArchiveFormat;
  const output = opts.output as string | undefined;
  if (!output) {
    if (isTerminalFd(1)) throw new SkiffError("INVALID_ARGUMENT", "refusing to write an archive to a terminal", { hint: "use -o FILE or redirect stdout" });
    // stdout may be a non-blocking pipe: fdStream waits out EAGAIN (as export's, tar-output.ts)
    const stdout = fdStream(1);
    await saveImages(store, images, format, (b) => { stdout.write(b); });
    return;
  }
  // written next to the target and renamed over it: an interrupted save leaves no half archive
  const tmp = join(dirname(output), `.${basename(output)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, "wx", 0o644);
  } catch (err) {
    throw new SkiffError("FAILED_PRECONDITION", `save: cannot write ${output}: ${errnoCode(err) ?? err}`);
  }
  try {
    await saveImages(store, images, format, (b) => writeAllSync(fd, b));
    closeSync(fd);
    renameSync(tmp, output);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
};

export const load: Handler = async ({ ctx, opts }) => {
  const input = opts.input as string | undefined;
  if (!input && isTerminalFd(0)) throw new SkiffError("INVALID_ARGUMENT", "refusing to read an archive from a terminal", { hint: "use -i FILE or redirect stdin" });
  const source = input ? createReadStream(input, { highWaterMark: 1 << 20 }) : createReadStream("", { fd: 0, highWaterMark: 1 << 20 });
  const guarded = (async function* () {
    try {
      for await (const c of source) yield c as Uint8Array;
    } catch (err) {
      if (errnoCode(err) === "ENOENT") throw new SkiffError("NOT_FOUND", `load ${input}: no such file`);
      throw err;
    }
  })();
  const lines = await loadImages({ store: storeOf(ctx), source: guarded, platform: platformOf({}).platform, sys: await getSys(), log: ctx.log, rootless: ctx.rootless });
  return opts.quiet ? "" : lines.map((l) => `${l}\n`).join("");
};
