/**
 * A Node built-in module loaded where it is first needed, synchronously: in a Bun executable each
 * built-in costs start-up time (node:crypto ~9 ms, node:os ~1 ms), so rarely used ones are not
 * imported at the top of a module.
 */
import { createRequire } from "node:module";

export function builtin<T>(name: string): T {
  return (process.getBuiltinModule?.(name) ?? createRequire(import.meta.url)(name)) as T;
}
