/**
 * A small tar writer for test images: ustar headers plus PAX records for long names, long link
 * targets, big values and xattrs. Tests craft exact entries with it, hostile ones included.
 */
export type TarType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";

export interface TarEntry {
  name: string;
  type?: TarType;
  content?: Uint8Array | string;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Written as SCHILY.xattr.<name> PAX records. */
  xattrs?: Record<string, Uint8Array | string>;
  /** Extra raw PAX records. */
  pax?: Record<string, string>;
}

const TYPEFLAG: Record<TarType, string> = { file: "0", hardlink: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6" };
const enc = (s: string | Uint8Array) => (typeof s === "string" ? Buffer.from(s, "utf8") : Buffer.from(s));

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

function header(name: string, typeflag: string, size: number, e: TarEntry): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string | Buffer, off: number, len: number) => enc(s).copy(h, off, 0, len);
  put(name, 0, 100);
  put(octal(e.mode ?? (e.type === "dir" ? 0o755 : e.type === "symlink" ? 0o777 : 0o644), 8), 100, 8);
  put(octal(e.uid ?? 0, 8), 108, 8);
  put(octal(e.gid ?? 0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(e.mtime ?? 1700000000, 12), 136, 12);
  put("        ", 148, 8);
  put(typeflag, 156, 1);
  put(e.linkname ?? "", 157, 100);
  put("ustar\u000000", 257, 8);
  put(e.uname ?? "", 265, 32);
  put(e.gname ?? "", 297, 32);
  put(octal(e.devmajor ?? 0, 8), 329, 8);
  put(octal(e.devminor ?? 0, 8), 337, 8);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return h;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % 512;
  return rest === 0 ? [data] : [data, Buffer.alloc(512 - rest)];
}

function paxRecord(key: string, value: Buffer): Buffer {
  // "<len> <key>=<value>\n" where <len> counts itself
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from("\n")]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/** The bytes of an uncompressed tar archive holding `entries` in order. */
export function makeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? "file";
    const data = type === "file" ? enc(e.content ?? "") : Buffer.alloc(0);
    const records: Buffer[] = [];
    if (Buffer.byteLength(e.name) > 100) records.push(paxRecord("path", enc(e.name)));
    if (e.linkname && Buffer.byteLength(e.linkname) > 100) records.push(paxRecord("linkpath", enc(e.linkname)));
    for (const [k, v] of Object.entries(e.xattrs ?? {})) records.push(paxRecord(`SCHILY.xattr.${k}`, enc(v)));
    for (const [k, v] of Object.entries(e.pax ?? {})) records.push(paxRecord(k, enc(v)));
    if (records.length > 0) {
      const pax = Buffer.concat(records);
      parts.push(header(`PaxHeaders/${e.name.slice(0, 80)}`, "x", pax.length, { name: "" }), ...padded(pax));
    }
    parts.push(header(e.name.slice(0, 100), TYPEFLAG[type], data.length, { ...e, linkname: e.linkname?.slice(0, 100) }), ...padded(data));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
