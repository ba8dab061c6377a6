/**
 * A streaming tar reader that hands entries to the caller to apply (it never touches the disk):
 * ustar, GNU (long names 'L'/'K', base-256 numbers, old sparse 'S') and PAX (path, linkpath,
 * size, ids, sub-second times, SCHILY.xattr, GNU sparse 0.0/0.1/1.0). Global PAX headers are
 * ignored; unknown entry types are an error.
 */
import { SkiffError } from "../../errors.js";
import { ByteSource } from "./bytes.js";
import { BLOCK, checksumOk, cstring, isZeroBlock, number, padded, parsePax, text } from "./header.js";

export type EntryType = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

/** A hole-free region of a sparse file: `length` bytes of data at `offset`. */
export interface SparseRegion { offset: number; length: number }

export interface TarHeader {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Bytes of data stored in the archive for this entry. */
  size: number;
  /** Seconds since the epoch, possibly fractional (PAX). */
  mtime: number;
  atime?: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Uint8Array>;
  /** For sparse files: the data regions (stored back to back) and the file's real size. */
  sparse?: { regions: SparseRegion[]; realSize: number };
}

export interface TarEntry {
  header: TarHeader;
  /** The stored data (for sparse files: the regions, back to back). Unread data is skipped. */
  body(): AsyncGenerator<Uint8Array>;
}

const TYPES: Record<string, EntryType> = {
  "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink",
  "3": "char", "4": "block", "5": "dir", "6": "fifo", D: "dir", S: "file",
};

function bad(msg: string): never {
  throw new SkiffError("INVALID_ARGUMENT", `read tar: ${msg}`);
}

function int(v: string, what: string): number {
  if (!/^-?\d+$/.test(v)) bad(`invalid PAX ${what} "${v}"`);
  return Number(v);
}

function seconds(v: string, what: string): number {
  if (!/^-?\d+(\.\d+)?$/.test(v)) bad(`invalid PAX ${what} "${v}"`);
  return Number(v);
}

interface Pending { longName?: string; longLink?: string; pax: [string, Uint8Array][] }

function oldGnuSparse(b: Uint8Array, off: number, count: number, out: SparseRegion[]) {
  for (let i = 0; i < count; i++) {
    const o = off + i * 24;
    if (b[o] === 0) break;
    out.push({ offset: number(b, o, 12, "sparse offset"), length: number(b, o + 12, 12, "sparse length") });
  }
}

/** GNU sparse 1.0 keeps its map at the start of the data: decimal lines, padded to a block. */
async function readSparseMap10(src: ByteSource, size: number): Promise<{ regions: SparseRegion[]; mapBytes: number }> {
  let textBuf = "";
  let consumed = 0;
  const numbers: number[] = [];
  let need = -1;
  while (need === -1 || numbers.length < 1 + need * 2) {
    if (consumed + BLOCK > size) bad("GNU sparse map longer than the entry");
    textBuf += text(await src.read(BLOCK, "sparse map"));
    consumed += BLOCK;
    const lines = textBuf.split("\n");
    textBuf = lines.pop()!;
    for (const l of lines) {
      numbers.push(int(l, "sparse map"));
      if (numbers.length === 1) need = numbers[0];
      if (need !== -1 && numbers.length === 1 + need * 2) break;
    }
  }
  const regions: SparseRegion[] = [];
  for (let i = 0; i < need; i++) regions.push({ offset: numbers[1 + 2 * i], length: numbers[2 + 2 * i] });
  return { regions, mapBytes: consumed };
}

function checkRegions(regions: SparseRegion[], stored: number, realSize: number) {
  let total = 0, end = 0;
  for (const r of regions) {
    if (r.offset < end || r.length < 0 || r.offset + r.length > realSize) bad("invalid sparse map");
    end = r.offset + r.length;
    total += r.length;
  }
  if (total !== stored) bad("sparse map does not match the stored data");
}

/** Entries of the archive, in order. Each entry's body must be read or left before the next. */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const src = new ByteSource(source);
  let pending: Pending = { pax: [] };
  for (;;) {
    const block = await src.readUpTo(BLOCK);
    if (block.length === 0) return; // no end-of-archive blocks: tolerated, as GNU tar does
    if (block.length < BLOCK) bad("unexpected end of data in header");
    if (isZeroBlock(block)) {
      await src.drain();
      return;
    }
    if (!checksumOk(block)) bad("invalid header checksum");
    const flag = String.fromCharCode(block[156]);
    const size = number(block, 124, 12, "size");
    if (size < 0) bad("negative size");

    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      const data = await src.read(size, "extended header");
      await src.skip(padded(size) - size, "extended header");
      if (flag === "x") pending.pax.push(...parsePax(data));
      else if (flag === "L") pending.longName = cstring(data, 0, data.length);
      else if (flag === "K") pending.longLink = cstring(data, 0, data.length);
      continue;
    }
    if (flag === "V") { await src.skip(padded(size), "volume label"); continue; }
    const type = TYPES[flag];
    if (!type) bad(`unsupported entry type '${flag === "\0" ? "\\0" : flag}'`);

    const magic = cstring(block, 257, 6);
    const ustar = magic === "ustar" && cstring(block, 263, 2) === "00";
    const prefix = ustar ? cstring(block, 345, 155) : "";
    const header: TarHeader = {
      name: prefix ? `${prefix}/${cstring(block, 0, 100)}` : cstring(block, 0, 100),
      type,
      mode: number(block, 100, 8, "mode") & 0o7777,
      uid: number(block, 108, 8, "uid"),
      gid: number(block, 116, 8, "gid"),
      size: type === "file" ? size : 0,
      mtime: number(block, 136, 12, "mtime"),
      linkname: cstring(block, 157, 100),
      uname: cstring(block, 265, 32),
      gname: cstring(block, 297, 32),
      devmajor: type === "char" || type === "block" ? number(block, 329, 8, "devmajor") : 0,
      devminor: type === "char" || type === "block" ? number(block, 337, 8, "devminor") : 0,
      xattrs: new Map(),
    };
    if (pending.longName !== undefined) header.name = pending.longName;
    if (pending.longLink !== undefined) header.linkname = pending.longLink;

    const sparse: SparseRegion[] = [];
    let sparseSize: number | undefined;
    let sparseMajor: string | undefined;
    if (flag === "S") {
      oldGnuSparse(block, 386, 4, sparse);
      sparseSize = number(block, 483, 12, "sparse size");
      let extended = block[482] !== 0;
      while (extended) {
        const ext = await src.read(BLOCK, "sparse header");
        oldGnuSparse(ext, 0, 21, sparse);
        extended = ext[504] !== 0;
      }
    }
    for (const [key, raw] of pending.pax) {
      const v = text(raw);
      switch (key) {
        case "path": header.name = v; break;
        case "linkpath": header.linkname = v; break;
        case "size": if (type === "file") header.size = int(v, "size"); break;
        case "uid": header.uid = int(v, "uid"); break;
        case "gid": header.gid = int(v, "gid"); break;
        case "uname": header.uname = v; break;
        case "gname": header.gname = v; break;
        case "mtime": header.mtime = seconds(v, "mtime"); break;
        case "atime": header.atime = seconds(v, "atime"); break;
        case "GNU.sparse.name": header.name = v; break;
        case "GNU.sparse.size": case "GNU.sparse.realsize": sparseSize = int(v, key); break;
        case "GNU.sparse.major": sparseMajor = v; break;
        case "GNU.sparse.offset": sparse.push({ offset: int(v, key), length: 0 }); break;
        case "GNU.sparse.numbytes":
          if (sparse.length === 0) bad("GNU.sparse.numbytes before GNU.sparse.offset");
          sparse[sparse.length - 1].length = int(v, key);
          break;
        case "GNU.sparse.map": {
          const n = v === "" ? [] : v.split(",").map((x) => int(x, key));
          if (n.length % 2) bad("odd GNU.sparse.map");
          for (let i = 0; i < n.length; i += 2) sparse.push({ offset: n[i], length: n[i + 1] });
          break;
        }
        default:
          if (key.startsWith("SCHILY.xattr.")) header.xattrs.set(key.slice(13), raw);
      }
    }
    pending = { pax: [] };

    let stored = type === "file" ? header.size : size;
    let dataLeft = padded(stored);
    if (sparseMajor === "1") {
      const { regions, mapBytes } = await readSparseMap10(src, stored);
      sparse.push(...regions);
      stored -= mapBytes;
      dataLeft -= mapBytes;
      header.size = stored;
    }
    if (sparseSize !== undefined) {
      checkRegions(sparse, stored, sparseSize);
      header.sparse = { regions: sparse, realSize: sparseSize };
    }
    if (type === "dir" || type !== "file") {
      // directories (GNU dumpdir lists) and links carry no data we use
      await src.skip(dataLeft, header.name);
      stored = 0;
      dataLeft = 0;
    }

    // What the caller has not read of this entry is skipped before the next header, even when it
    // stops reading a body halfway.
    let started = false;
    let dataRemaining = stored;
    let blockRemaining = dataLeft;
    const entry: TarEntry = {
      header,
      async *body() {
        if (started) throw new SkiffError("INTERNAL", `tar entry ${header.name}: body read twice`);
        started = true;
        for await (const chunk of src.stream(dataRemaining, header.name)) {
          dataRemaining -= chunk.length;
          blockRemaining -= chunk.length;
          yield chunk;
        }
      },
    };
    yield entry;
    await src.skip(blockRemaining, header.name);
  }
}
