/**
 * Hashes and random numbers without loading node:crypto where possible: in a Bun executable it
 * takes ~9 ms to load (measured), and `run` of a stored image verifies its manifest and config by
 * digest. Bun has a native hasher; elsewhere node:crypto is loaded on first use. Random IDs come
 * from the Web Crypto every runtime has (node:crypto's on Node 18).
 */
import { builtin } from "./builtin.js";

type NodeCrypto = typeof import("node:crypto");
let loaded: NodeCrypto | undefined;

function nodeCrypto(): NodeCrypto {
  loaded ??= builtin<NodeCrypto>("node:crypto");
  return loaded;
}

// Node 18 has Web Crypto only as node:crypto's webcrypto (the global came in Node 19)
const webCrypto = (): Pick<Crypto, "getRandomValues"> => globalThis.crypto ?? nodeCrypto().webcrypto;

/** `bytes` random bytes, as hex. */
export function randomHex(bytes: number): string {
  return Buffer.from(webCrypto().getRandomValues(new Uint8Array(bytes))).toString("hex");
}

/** A random integer in [0, max). */
export function randomBelow(max: number): number {
  return webCrypto().getRandomValues(new Uint32Array(1))[0] % max;
}

export interface Hasher {
  update(data: Uint8Array | string): Hasher;
  digest(encoding: "hex"): string;
}

declare const Bun: { CryptoHasher: new (algorithm: string) => Hasher } | undefined;

/** An incremental hash ("sha256", "sha512", ...). */
export function createHash(algorithm: string): Hasher {
  if (typeof Bun !== "undefined" && typeof Bun.CryptoHasher === "function") return new Bun.CryptoHasher(algorithm);
  return nodeCrypto().createHash(algorithm);
}
