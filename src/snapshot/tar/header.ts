/**
 * Tar header fields: ustar/GNU 512-byte blocks, numbers in octal or base-256, PAX records.
 * Pure functions over bytes.
 */
import { SkiffError } from "../../errors.js";

export const BLOCK = 512;
const decoder = new TextDecoder("utf-8", { fatal: false });

function bad(msg: string): never {
  throw new SkiffError("INVALID_ARGUMENT", `read tar: ${msg}`);
}

export function cstring(b: Uint8Array, off: number, len: number): string {
  const field = b.subarray(off, off + len);
  const nul = field.indexOf(0);
  return decoder.decode(nul === -1 ? field : field.subarray(0, nul));
}

/** A numeric field: octal text (NUL/space padded) or GNU base-256 (high bit set). */
export function number(b: Uint8Array, off: number, len: number, what: string): number {
  const f = b.subarray(off, off + len);
  if (f[0] & 0x80) {
    const negative = f[0] === 0xff;
    let v = BigInt(f[0] & 0x7f);
    for (let i = 1; i < f.length; i++) v = (v << 8n) | BigInt(f[i]);
    if (negative) v -= 1n << BigInt(8 * f.length - 1);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) bad(`${what} out of range`);
    return Number(v);
  }
  const text = decoder.decode(f).replace(/[\0 ]+$/, "").replace(/^[\0 ]+/, "");
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) bad(`invalid ${what} field "${text}"`);
  return parseInt(text, 8);
}

export function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** The header checksum, unsigned (as POSIX says) or signed (as some old tars wrote it). */
export function checksumOk(b: Uint8Array): boolean {
  let stored: number;
  try {
    stored = number(b, 148, 8, "checksum");
  } catch {
    return false; // not even a number: not a tar header
  }
  let unsigned = 0, signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : b[i];
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return stored === unsigned || stored === signed;
}

/** PAX records "<len> <key>=<value>\n"; a key may repeat (GNU sparse 0.0), so a list is kept. */
export function parsePax(data: Uint8Array): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    if (space === -1) bad("invalid PAX record");
    const len = Number(decoder.decode(data.subarray(pos, space)));
    if (!Number.isInteger(len) || len <= space - pos + 1 || pos + len > data.length || data[pos + len - 1] !== 0x0a) bad("invalid PAX record length");
    const record = data.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq === -1) bad("invalid PAX record");
    out.push([decoder.decode(record.subarray(0, eq)), record.subarray(eq + 1)]);
    pos += len;
  }
  return out;
}

export function text(v: Uint8Array): string {
  return decoder.decode(v);
}

/** Blocks needed for `size` bytes of data. */
export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}
