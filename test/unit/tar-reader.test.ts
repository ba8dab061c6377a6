/** The tar reader against archives written by GNU tar (an independent producer) in each format. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, symlinkSync, linkSync, utimesSync, writeSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { readTar, type TarHeader } from "../../src/snapshot/tar/reader.js";
import { SkiffError } from "../../src/errors.js";
import { makeTar } from "../helpers/tar.js";

const root = mkdtempSync(join(tmpdir(), "skiff-tarread-"));
const src = join(root, "src");
const LONG = `${"long-directory-name-".repeat(7)}/${"very-long-file-name-".repeat(6)}.txt`;
const LINK_TARGET = `${"t".repeat(150)}/target`;

async function* chunks(data: Buffer, size = 7919) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

interface Read { header: TarHeader; data: Buffer }

/** All entries; sparse files expanded to their real size. */
async function readAll(data: Buffer, chunkSize?: number): Promise<Map<string, Read>> {
  const out = new Map<string, Read>();
  for await (const e of readTar(chunks(data, chunkSize))) {
    const parts: Buffer[] = [];
    for await (const c of e.body()) parts.push(Buffer.from(c));
    let body = Buffer.concat(parts);
    if (e.header.sparse) {
      const full = Buffer.alloc(e.header.sparse.realSize);
      let pos = 0;
      for (const r of e.header.sparse.regions) { body.copy(full, r.offset, pos, pos + r.length); pos += r.length; }
      body = full;
    }
    out.set(e.header.name.replace(/\/$/, ""), { header: e.header, data: body });
  }
  return out;
}

function gnuTar(args: string[]): Buffer {
  return execFileSync("tar", ["-C", src, "--numeric-owner", "-c", ...args, "."], { maxBuffer: 64 << 20 });
}

const SPARSE_SIZE = 3 * 1024 * 1024 + 17;

describe("tar reader", () => {
  before(() => {
    mkdirSync(join(src, "dir"), { recursive: true });
    chmodSync(join(src, "dir"), 0o750);
    writeFileSync(join(src, "dir", "file"), "hello\n");
    chmodSync(join(src, "dir", "file"), 0o4755);
    mkdirSync(join(src, LONG.split("/")[0]), { recursive: true });
    writeFileSync(join(src, LONG), "long name\n");
    mkdirSync(join(src, "t".repeat(150)));
    writeFileSync(join(src, LINK_TARGET), "x");
    symlinkSync(LINK_TARGET, join(src, "longlink"));
    symlinkSync("dir/file", join(src, "link"));
    linkSync(join(src, "dir", "file"), join(src, "hard"));
    execFileSync("mkfifo", [join(src, "fifo")]);
    execFileSync("setfattr", ["-n", "user.skiff", "-v", "xattr-value", join(src, "dir", "file")]);
    utimesSync(join(src, "dir", "file"), 1700000000.25, 1700000000.5);
    const fd = openSync(join(src, "sparse"), "w");
    writeSync(fd, Buffer.from("start"), 0, 5, 0);
    writeSync(fd, Buffer.alloc(5000, 0x61), 0, 5000, 1024 * 1024);
    writeSync(fd, Buffer.from("end"), 0, 3, SPARSE_SIZE - 3);
    closeSync(fd);
  });

  const formats: [string, string[]][] = [
    ["gnu", ["--format=gnu"]],
    ["posix", ["--format=posix", "--xattrs", "--xattrs-include=*"]],
    ["gnu sparse (old GNU 'S')", ["--format=gnu", "--sparse"]],
    ["posix sparse 0.0", ["--format=posix", "--sparse", "--sparse-version=0.0"]],
    ["posix sparse 0.1", ["--format=posix", "--sparse", "--sparse-version=0.1"]],
    ["posix sparse 1.0", ["--format=posix", "--sparse", "--sparse-version=1.0"]],
  ];
  for (const [name, args] of formats) {
    it(`reads GNU tar's ${name} format exactly`, async () => {
      const all = await readAll(gnuTar(args));
      const file = all.get("./dir/file")!;
      assert.equal(file.header.type, "file");
      assert.equal(file.data.toString(), "hello\n");
      assert.equal(file.header.mode, 0o4755);
      assert.equal(all.get("./dir")!.header.type, "dir");
      assert.equal(all.get("./dir")!.header.mode, 0o750);
      assert.equal(all.get(`./${LONG}`)!.data.toString(), "long name\n");
      assert.deepEqual([all.get("./longlink")!.header.type, all.get("./longlink")!.header.linkname], ["symlink", LINK_TARGET]);
      assert.deepEqual([all.get("./link")!.header.type, all.get("./link")!.header.linkname], ["symlink", "dir/file"]);
      const hard = all.get("./hard") ?? all.get("./dir/file")!;
      assert.ok(hard.header.type === "hardlink" || all.get("./dir/file")!.header.type === "hardlink");
      assert.equal(all.get("./fifo")!.header.type, "fifo");
      const sparse = all.get("./sparse")!;
      assert.equal(sparse.data.length, SPARSE_SIZE);
      assert.equal(sparse.data.subarray(0, 5).toString(), "start");
      assert.equal(sparse.data.subarray(1024 * 1024, 1024 * 1024 + 5000).toString(), "a".repeat(5000));
      assert.equal(sparse.data.subarray(SPARSE_SIZE - 3).toString(), "end");
      assert.equal(sparse.data.subarray(5, 1024 * 1024).every((b) => b === 0), true);
      if (args.includes("--sparse")) {
        assert.ok(sparse.header.sparse, "stored as sparse");
        assert.ok(sparse.header.size < 64 * 1024, `stores only the data (${sparse.header.size} bytes)`);
      }
      if (name === "posix") {
        assert.equal(Buffer.from(file.header.xattrs.get("user.skiff")!).toString(), "xattr-value");
        assert.equal(file.header.mtime, 1700000000.5);
      }
    });
  }

  it("reads ustar names split into prefix and name", async () => {
    const dir = mkdtempSync(join(root, "ustar-"));
    const name = `${"a".repeat(80)}/${"b".repeat(60)}/${"c".repeat(90)}`;
    mkdirSync(join(dir, name.slice(0, name.lastIndexOf("/"))), { recursive: true });
    writeFileSync(join(dir, name), "split\n");
    const all = await readAll(execFileSync("tar", ["-C", dir, "--format=ustar", "-c", name]));
    assert.ok(name.length > 100);
    assert.equal(all.get(name)!.data.toString(), "split\n");
  });

  it("reads base-256 numbers (GNU, ids over 2097151)", async () => {
    const all = await readAll(gnuTar(["--format=gnu", "--owner=3000000", "--group=4000000"]));
    assert.equal(all.get("./dir/file")!.header.uid, 3000000);
    assert.equal(all.get("./dir/file")!.header.gid, 4000000);
  });

  it("does not depend on how the stream is chunked", async () => {
    const tar = gnuTar(["--format=posix", "--sparse"]);
    const a = await readAll(tar, 1);
    const b = await readAll(tar, 1 << 20);
    assert.deepEqual([...a.keys()], [...b.keys()]);
    for (const [k, v] of a) assert.ok(v.data.equals(b.get(k)!.data), k);
  });

  it("skips bodies the caller leaves unread, also when it stops halfway", async () => {
    const tar = makeTar([{ name: "a", content: Buffer.alloc(100000, 1) }, { name: "b", content: "bee" }, { name: "c", content: Buffer.alloc(3000, 2) }]);
    const names: string[] = [];
    for await (const e of readTar(chunks(tar, 1000))) {
      names.push(e.header.name);
      if (e.header.name === "a") for await (const _ of e.body()) break;
      if (e.header.name === "b") {
        const parts: Uint8Array[] = [];
        for await (const c of e.body()) parts.push(c);
        assert.equal(Buffer.concat(parts).toString(), "bee");
      }
    }
    assert.deepEqual(names, ["a", "b", "c"]);
  });

  it("reads xattrs and devices from PAX and ustar fields", async () => {
    const tar = makeTar([
      { name: "bin/ping", content: "x", xattrs: { "security.capability": Buffer.from([1, 0, 0, 2]) } },
      { name: "dev/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666 },
      { name: "dev/loop0", type: "block", devmajor: 7, devminor: 0 },
      { name: "t", content: "", pax: { mtime: "1700000000.123456789", atime: "1700000001" } },
    ]);
    const all = await readAll(tar);
    assert.deepEqual([...all.get("bin/ping")!.header.xattrs.get("security.capability")!], [1, 0, 0, 2]);
    assert.deepEqual([all.get("dev/null")!.header.type, all.get("dev/null")!.header.devmajor, all.get("dev/null")!.header.devminor], ["char", 1, 3]);
    assert.equal(all.get("dev/loop0")!.header.type, "block");
    assert.equal(all.get("t")!.header.mtime, 1700000000.123456789);
    assert.equal(all.get("t")!.header.atime, 1700000001);
  });

  it("rejects corrupt archives with one clear error", async () => {
    const good = makeTar([{ name: "a", content: "hello" }]);
    const badSum = Buffer.from(good);
    badSum[0] = 0x41;
    const truncated = good.subarray(0, 512 + 2);
    const badType = makeTar([{ name: "a", content: "x" }]);
    badType[156] = "Z".charCodeAt(0);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : badType[i];
    Buffer.from(`${sum.toString(8).padStart(6, "0")}\0 `).copy(badType, 148);
    const cases: [Buffer, RegExp][] = [
      [badSum, /invalid header checksum/],
      [truncated, /unexpected end of data in a/],
      [badType, /unsupported entry type 'Z'/],
      [makeTar([{ name: "s", content: "ab", pax: { "GNU.sparse.map": "0,5", "GNU.sparse.size": "10" } }]), /sparse map does not match/],
      [makeTar([{ name: "p", content: "x", pax: { uid: "abc" } }]), /invalid PAX uid/],
    ];
    for (const [tar, want] of cases) {
      await assert.rejects(readAll(tar), (e: unknown) => e instanceof SkiffError && want.test(e.message), String(want));
    }
  });

  it("drains trailing data after the end-of-archive blocks", async () => {
    const tar = Buffer.concat([makeTar([{ name: "a", content: "x" }]), Buffer.alloc(10000)]);
    let read = 0;
    async function* counting() { for await (const c of chunks(tar, 512)) { read += c.length; yield c; } }
    for await (const _ of readTar(counting())) { /* entries */ }
    assert.equal(read, tar.length);
  });
});
