/**
 * dist/skiff.js on a system Node: skiff's code (dist/skiff-code.cjs beside it, a CommonJS bundle
 * of src/main.ts; dist/skiff-shim.cjs for a shim) compiled through a V8 code cache kept in the user's cache directory, so a command
 * does not parse and compile 0.8 MB of JavaScript at every start (Node 18 and 20 have no compile
 * cache of their own; measured in bench/startup.sh). Bun and Deno run the same code without a
 * cache (their node:vm keeps none). A file beside the loader, not a string inside it: a 0.8 MB
 * string literal is scanned at every start and stays in every shim's heap (measured: +5 ms, +2.8 MB).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Script } from "node:vm";
import { codeCachePath, trusted } from "./code-cache.js";

declare const __SKIFF_CODE_ID__: string;
declare const Bun: unknown;
declare const Deno: unknown;

// a CommonJS script (dist/package.json says so): an installed copy with no package.json beside it
// is one too, and Node 18 runs no ES module from a file without the .mjs extension. A shim runs
// the shim's code alone (build.ts): it holds its source for as long as its container runs
const role = process.argv[2] === "__shim" ? "shim" : "cli";
const filename = join(dirname(__filename), role === "shim" ? "skiff-shim.cjs" : "skiff-code.cjs");
const onNode = typeof Bun === "undefined" && typeof Deno === "undefined";
const uid = typeof process.getuid === "function" ? process.getuid() : -1;
const where = onNode && uid >= 0 ? codeCachePath(process.env, process.version, __SKIFF_CODE_ID__, role) : undefined;

const statOf = (path: string) => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

let cachedData: Buffer | undefined;
if (where && trusted(statOf(where.dir), uid) && trusted(statOf(where.file), uid)) {
  try {
    cachedData = readFileSync(where.file);
  } catch { /* none */ }
}

// the file is the function expression itself (build.ts): its text is the script's source as read,
// not a second 0.8 MB string made by wrapping it
const script = new Script(readFileSync(filename, "utf8"), { filename, cachedData });
// a long-lived shim keeps nothing of the cache once the code is compiled
const refresh = where !== undefined && (!cachedData || script.cachedDataRejected === true);
cachedData = undefined;
const payloadModule = { exports: {} };
(script.runInThisContext() as (...a: unknown[]) => void)(payloadModule.exports, require, payloadModule, filename, dirname(filename));

// at exit, so the cache holds the functions this command compiled too
if (where && refresh) {
  process.once("exit", () => {
    const tmp = `${where.file}.${process.pid}`;
    try {
      mkdirSync(where.dir, { recursive: true, mode: 0o700 });
      if (!trusted(statOf(where.dir), uid)) return;
      writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
      renameSync(tmp, where.file);
    } catch {
      rmSync(tmp, { force: true }); // a cache is only an optimisation (a full disk, a read-only home)
    }
  });
}
