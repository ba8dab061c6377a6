/** LibcPort over bun:ffi (works inside a `bun build --compile` executable). */
import { LIBC_SYMBOLS, libcSys, type LibcPort } from "./libc.js";
import type { Sys } from "./types.js";

interface BunFfi {
  dlopen(path: string, symbols: Record<string, { args: readonly string[]; returns: string }>): { symbols: Record<string, (...a: unknown[]) => unknown> };
  ptr(buf: Uint8Array): number;
  read: { i32(ptr: number, offset?: number): number };
}

export async function bunSys(): Promise<Sys> {
  const ffi = (await import("bun:ffi" as string)) as BunFfi;
  const lib = ffi.dlopen("libc.so.6", LIBC_SYMBOLS);
  const port: LibcPort = {
    runtime: "bun",
    call(name, ...args) {
      const conv = args.map((a) => (a instanceof Uint8Array ? ffi.ptr(a) : a));
      return Number(lib.symbols[name](...conv));
    },
    errno() {
      return ffi.read.i32(lib.symbols.__errno_location() as number, 0);
    },
    address(buf) {
      return BigInt(ffi.ptr(buf));
    },
  };
  return libcSys(port);
}
