/** LibcPort over Deno.dlopen. */
import { LIBC_SYMBOLS, libcSys, type FfiType, type LibcPort } from "./libc.js";
import type { Sys } from "./types.js";

interface DenoFfi {
  dlopen(path: string, symbols: Record<string, { parameters: string[]; result: string }>): { symbols: Record<string, (...a: unknown[]) => unknown> };
  UnsafePointer: { of(buf: Uint8Array): unknown; value(p: unknown): bigint | number };
  UnsafePointerView: new (p: unknown) => { getInt32(offset?: number): number };
}
declare const Deno: DenoFfi;

const DENO_TYPES: Record<FfiType, string> = { i32: "i32", u32: "u32", u64: "u64", i64: "i64", ptr: "buffer", void: "void" };

export async function denoSys(): Promise<Sys> {
  const symbols = Object.fromEntries(
    Object.entries(LIBC_SYMBOLS).map(([name, s]) => [
      name,
      { parameters: s.args.map((a) => DENO_TYPES[a]), result: name === "__errno_location" ? "pointer" : DENO_TYPES[s.returns] },
    ]),
  );
  const lib = Deno.dlopen("libc.so.6", symbols);
  const port: LibcPort = {
    runtime: "deno",
    call(name, ...args) {
      return Number(lib.symbols[name](...args));
    },
    errno() {
      return new Deno.UnsafePointerView(lib.symbols.__errno_location()).getInt32(0);
    },
    address(buf) {
      return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)));
    },
  };
  return libcSys(port);
}
