/**
 * Writing tar archives (for save and export): ustar headers, with a PAX record for names or link
 * targets longer than ustar holds. The caller streams each entry's data (exactly `size` bytes).
 */
import { BLOCK, padded } from "./header.js";

export interface OutEntry {
  name: string;
  type?: "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";
  size?: number;
  mode?: number;
  mtime?: number;
  linkname?: string;
  uid?: number;
  gid?: number;
  devmajor?: number;
  devminor?: number;
}

const enc = new TextEncoder();
const FLAG = { file: "0", hardlink: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6" } as const;

function put(h: Uint8Array, s: string, off: number, len: number) {
  h.set(enc.encode(s).subarray(0, len), off);
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

function block(name: string, flag: string, size: number, e: OutEntry): Uint8Array {
  const h = new Uint8Array(BLOCK);
  put(h, name, 0, 100);
  put(h, octal(e.mode ?? (e.type === "dir" ? 0o755 : 0o644), 8), 100, 8);
  put(h, octal(e.uid ?? 0, 8), 108, 8);
  put(h, octal(e.gid ?? 0, 8), 116, 8);
  put(h, octal(size, 12), 124, 12);
  put(h, octal(Math.floor(e.mtime ?? 0), 12), 136, 12);
  put(h, "        ", 148, 8);
  put(h, flag, 156, 1);
  put(h, e.linkname ?? "", 157, 100);
  put(h, "ustar\u000000", 257, 8);
  if (e.devmajor !== undefined) put(h, octal(e.devmajor, 8), 329, 8);
  if (e.devminor !== undefined) put(h, octal(e.devminor, 8), 337, 8);
  let sum = 0;
  for (const b of h) sum += b;
  put(h, `${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return h;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = enc.encode(body).length + 1;
  while (String(len).length + enc.encode(body).length !== len) len = String(len).length + enc.encode(body).length;
  return `${len}${body}`;
}

/** The header block(s) of an entry; data and padding follow. */
export function entryHeader(e: OutEntry): Uint8Array {
  const size = e.type === "file" || e.type === undefined ? (e.size ?? 0) : 0;
  // ids beyond ustar's 7 octal digits go in PAX records
  const big = (n?: number) => n !== undefined && n > 0o7777777;
  const records = [
    ...(big(e.uid) ? [paxRecord("uid", String(e.uid))] : []),
    ...(big(e.gid) ? [paxRecord("gid", String(e.gid))] : []),
    ...(enc.encode(e.name).length > 100 ? [paxRecord("path", e.name)] : []),
    ...(e.linkname && enc.encode(e.linkname).length > 100 ? [paxRecord("linkpath", e.linkname)] : []),
  ].join("");
  const main = block(e.name.slice(0, 100), FLAG[e.type ?? "file"], size, { ...e, uid: big(e.uid) ? 0 : e.uid, gid: big(e.gid) ? 0 : e.gid });
  if (!records) return main;
  const pax = enc.encode(records);
  const out = new Uint8Array(BLOCK + padded(pax.length) + BLOCK);
  out.set(block(`PaxHeaders/${e.name.slice(0, 80)}`, "x", pax.length, { name: "" }), 0);
  out.set(pax, BLOCK);
  out.set(main, BLOCK + padded(pax.length));
  return out;
}

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function entryPadding(size: number): Uint8Array {
  return new Uint8Array(padded(size) - size);
}

/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = new Uint8Array(2 * BLOCK);
