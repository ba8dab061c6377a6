/**
 * Exact-size reads over an async stream of chunks, for the tar reader: read(n) returns n bytes or
 * throws on a short stream; stream(n) yields the next n bytes without copying them together.
 */
import { SkiffError } from "../../errors.js";

export class ByteSource {
  private readonly it: AsyncIterator<Uint8Array>;
  private buf: Uint8Array = new Uint8Array(0);
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** The next chunk as `buf` (which must be used up). */
  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    this.buf = r.value;
    return true;
  }

  /** Up to n bytes: fewer only at the end of the stream. */
  async readUpTo(n: number): Promise<Uint8Array> {
    if (this.buf.length >= n) {
      const out = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
      return out;
    }
    // a header across two chunks: copy just its n bytes, not the next (1 MiB) chunk behind them,
    // which was a second allocation of every chunk and half the garbage of an unpack
    const out = new Uint8Array(n);
    let got = 0;
    do {
      const take = Math.min(n - got, this.buf.length);
      out.set(this.buf.subarray(0, take), got);
      got += take;
      this.buf = this.buf.subarray(take);
    } while (got < n && (await this.fill()));
    return out.subarray(0, got);
  }

  async read(n: number, what: string): Promise<Uint8Array> {
    const out = await this.readUpTo(n);
    if (out.length < n) throw new SkiffError("INVALID_ARGUMENT", `read tar: unexpected end of data in ${what}`);
    return out;
  }

  /** The next n bytes as they arrive. */
  async *stream(n: number, what: string): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill())) throw new SkiffError("INVALID_ARGUMENT", `read tar: unexpected end of data in ${what}`);
      const take = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(take.length);
      left -= take.length;
      yield take;
    }
  }

  async skip(n: number, what: string): Promise<void> {
    for await (const _ of this.stream(n, what)) { /* discard */ }
  }

  /** Consumes everything left (trailing padding must be hashed too). Returns the byte count. */
  async drain(): Promise<number> {
    let n = this.buf.length;
    this.buf = new Uint8Array(0);
    while (await this.fill()) {
      n += this.buf.length;
      this.buf = new Uint8Array(0);
    }
    return n;
  }
}
