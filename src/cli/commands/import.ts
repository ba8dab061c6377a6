import { importImage } from "../../image/import.js";
import { getSys } from "../../sys/index.js";
import type { Handler } from "../table/types.js";
import { platformOf, storeOf } from "./image-context.js";

export const importCommand: Handler = async ({ ctx, args, opts }) => {
  const { id } = await importImage({
    store: storeOf(ctx),
    source: args[0],
    name: args[1],
    changes: opts.change as string[],
    message: opts.message as string | undefined,
    platform: platformOf(opts).platform,
    sys: await getSys(),
    log: ctx.log,
    rootless: ctx.rootless,
  });
  return `${id.slice(7)}\n`;
};
