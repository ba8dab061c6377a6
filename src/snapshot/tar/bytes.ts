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

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    this.buf = this.buf.length === 0 ? r.value : concat(this.buf, r.value);
    return true;
  }

  /** Up to n bytes: fewer only at the end of the stream. */
  async readUpTo(n: number): Promise<Uint8Array> {
    while (this.buf.length < n && (await this.fill())) { /* keep filling */ }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(out.length);
    return out;
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

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
