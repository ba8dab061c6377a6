/**
 * node:crypto, loaded on first use: in a Bun executable it takes ~9 ms to load (measured), and most
 * commands (run of a stored image, ps, logs) hash nothing. Random IDs come from the Web Crypto
 * every runtime has, so they need no module at all.
 */
import { createRequire } from "node:module";

type NodeCrypto = typeof import("node:crypto");
let loaded: NodeCrypto | undefined;

export function nodeCrypto(): NodeCrypto {
  loaded ??= (process.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined) ?? (createRequire(import.meta.url)("node:crypto") as NodeCrypto);
  return loaded;
}

/** `bytes` random bytes, as hex. */
export function randomHex(bytes: number): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
}

/** A random integer in [0, max). */
export function randomBelow(max: number): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0] % max;
}
