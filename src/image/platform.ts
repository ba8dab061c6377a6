/**
 * Platforms (os/arch/variant): normalisation as containerd does it, the fallback order a host
 * accepts, and the choice of a manifest from an index. Pure, apart from hostPlatform's inputs.
 */
import { SkiffError } from "../errors.js";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH_ALIASES: Record<string, string> = {
  x86_64: "amd64", "x86-64": "amd64", amd64: "amd64",
  aarch64: "arm64", arm64: "arm64",
  armhf: "arm", armel: "arm", arm: "arm",
  i386: "386", i686: "386", x86: "386", "386": "386",
};

/** Canonical form: amd64 v1 and arm64 v8 are written without variant, arm always has one. */
export function normalizePlatform(p: Platform): Platform {
  const rawArch = p.architecture.toLowerCase();
  const architecture = ARCH_ALIASES[rawArch] ?? rawArch;
  let variant = (p.variant ?? "").toLowerCase();
  if (variant && /^\d/.test(variant)) variant = `v${variant}`;
  if (rawArch === "armhf") variant ||= "v7";
  if (rawArch === "armel") variant ||= "v6";
  if (architecture === "arm" && !variant) variant = "v7";
  if (architecture === "amd64" && variant === "v1") variant = "";
  if (architecture === "arm64" && (variant === "v8" || variant === "v8.0")) variant = "";
  const os = p.os.toLowerCase();
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** "linux/arm64", "linux/arm/v7" (also "arm64" alone, meaning linux). */
export function parsePlatform(s: string): Platform {
  const parts = s.split("/");
  if (parts.length === 1 && parts[0]) return normalizePlatform({ os: "linux", architecture: parts[0] });
  if (parts.length < 2 || parts.length > 3 || parts.some((x) => x === "")) {
    throw new SkiffError("INVALID_ARGUMENT", `invalid platform "${s}"`, { hint: "use os/arch[/variant], e.g. linux/arm64 or linux/arm/v7" });
  }
  return normalizePlatform({ os: parts[0], architecture: parts[1], variant: parts[2] });
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/** Platforms this one can run, best first: arm/v7 → v6 → v5; amd64/v3 → v2 → v1; arm64/v8.2 → … → v8. */
export function platformCandidates(p: Platform): Platform[] {
  const n = normalizePlatform(p);
  const m = /^v(\d+)(?:\.(\d+))?$/.exec(n.variant ?? "");
  const out: Platform[] = [n];
  const add = (variant: string) => out.push(variant ? { ...n, variant } : { os: n.os, architecture: n.architecture });
  if (n.architecture === "arm" && m) for (let v = Number(m[1]) - 1; v >= 5; v--) add(`v${v}`);
  if (n.architecture === "amd64" && m) for (let v = Number(m[1]) - 1; v >= 1; v--) add(v === 1 ? "" : `v${v}`);
  if (n.architecture === "arm64" && m) {
    for (let minor = Number(m[2] ?? 0) - 1; minor >= 0; minor--) add(minor === 0 ? (m[1] === "8" ? "" : `v${m[1]}`) : `v${m[1]}.${minor}`);
    if (m[1] !== "8") add("");
  }
  return out;
}

function samePlatform(a: Platform, b: Platform): boolean {
  const x = normalizePlatform(a), y = normalizePlatform(b);
  return x.os === y.os && x.architecture === y.architecture && (x.variant ?? "") === (y.variant ?? "");
}

export interface PlatformEntry { platform?: Platform }

/**
 * The index entry to use for `want`: the first entry matching the best candidate (image-spec: "the
 * first matching entry SHOULD be used"); attestation entries (unknown/unknown) never match.
 */
export function selectPlatform<T extends PlatformEntry>(entries: T[], want: Platform): T | undefined {
  const usable = entries.filter((e) => e.platform && e.platform.os !== "unknown" && e.platform.architecture !== "unknown");
  for (const c of platformCandidates(want)) {
    const hit = usable.find((e) => samePlatform(e.platform!, c));
    if (hit) return hit;
  }
  return undefined;
}

/** The ARM architecture version from /proc/cpuinfo ("CPU architecture: 7"). */
export function armVariantFromCpuinfo(cpuinfo: string): string | undefined {
  const m = /^CPU architecture\s*:\s*(\d+)/im.exec(cpuinfo);
  return m ? `v${m[1]}` : undefined;
}

/** This host's platform from Node's arch name (and /proc/cpuinfo on 32-bit ARM). */
export function hostPlatform(nodeArch: string, cpuinfo = ""): Platform {
  const arch = ({ x64: "amd64", ia32: "386" } as Record<string, string>)[nodeArch] ?? nodeArch;
  const variant = arch === "arm" ? (armVariantFromCpuinfo(cpuinfo) ?? "v7") : undefined;
  return normalizePlatform({ os: "linux", architecture: arch, variant });
}
