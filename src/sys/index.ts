/** The Sys for the runtime running this process, loaded once on first use. */
import { jsRuntime } from "../runtime-info.js";
import type { Sys } from "./types.js";

export type { Sys } from "./types.js";
export { MS, MNT_DETACH } from "./types.js";

let cached: Promise<Sys> | undefined;

export function getSys(): Promise<Sys> {
  cached ??= (async () => {
    switch (jsRuntime()) {
      case "bun":
        return (await import("./bun.js")).bunSys();
      case "deno":
        return (await import("./deno.js")).denoSys();
      default:
        return (await import("./node.js")).nodeSys();
    }
  })();
  return cached;
}
