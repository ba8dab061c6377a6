/** What image commands share: the store paths and the platform chosen by flags or the host. */
import { readFileSync } from "node:fs";
import { hostPlatform, normalizePlatform, parsePlatform, type Platform } from "../../image/platform.js";
import type { StorePaths } from "../../image/store/layout.js";
import type { Context } from "../context.js";

export function storeOf(ctx: Context): StorePaths {
  return { root: ctx.root, runroot: ctx.runroot, plain: ctx.plainStore };
}

function cpuinfo(): string {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
}

/** --platform, or --os/--arch/--variant over the host's platform. */
export function platformOf(opts: Record<string, unknown>): { platform: Platform; explicit: boolean } {
  if (typeof opts.platform === "string") return { platform: parsePlatform(opts.platform), explicit: true };
  const host = hostPlatform(process.arch, process.arch === "arm" ? cpuinfo() : "");
  if (!opts.os && !opts.arch && !opts.variant) return { platform: host, explicit: false };
  return {
    platform: normalizePlatform({ os: (opts.os as string) ?? host.os, architecture: (opts.arch as string) ?? host.architecture, variant: opts.variant as string | undefined }),
    explicit: true,
  };
}
