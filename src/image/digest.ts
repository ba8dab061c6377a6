/** Content digests (image-spec descriptor.md): sha256 and sha512, lowercase hex only. Pure. */
import { createHash } from "../util/crypto.js";
import { SkiffError } from "../errors.js";

const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

export function parseDigest(s: string): { algorithm: "sha256" | "sha512"; hex: string } {
  if (!isDigest(s)) throw new SkiffError("INVALID_ARGUMENT", `invalid digest "${s}"`);
  const [algorithm, hex] = s.split(":");
  return { algorithm: algorithm as "sha256" | "sha512", hex };
}

export function sha256Of(data: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(n)). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256Of(`${out[out.length - 1]} ${d}`));
  return out;
}

/** Short form for tables: the first 12 hex characters. */
export function shortId(digestOrHex: string): string {
  return digestOrHex.replace(/^sha\d+:/, "").slice(0, 12);
}
