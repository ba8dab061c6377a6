/**
 * Build: src/ → dist/skiff.js (one ES module for Bun, Node ≥ 20 and Deno 2, bundled by esbuild) and
 * dist/skiff (a single executable made by `bun build --compile` from the same sources), plus
 * completions/ and man/ generated from the command table.
 *
 *   node --import tsx build.ts                       everything for the host
 *   node --import tsx build.ts --target linux-arm64  also dist/skiff-linux-arm64 (any Bun target)
 *   node --import tsx build.ts --no-compile          skip the executable
 *   node --import tsx build.ts --target linux-arm64 --targets-only [--out-dir DIR]
 *                                                    only the cross-compiled executables
 */
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compiledTable } from "./src/cli/table/source.js";
import { RELEASE_DATE } from "./src/version.js";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const args = process.argv.slice(2);
const targets = args.flatMap((a, i) => (a === "--target" ? [args[i + 1]] : a.startsWith("--target=") ? [a.slice(9)] : []));
const compile = !args.includes("--no-compile");
const targetsOnly = args.includes("--targets-only");
const outIndex = args.indexOf("--out-dir");
const outDir = outIndex === -1 ? dist : args[outIndex + 1];

function step(name: string, fn: () => void | Promise<void>) {
  const t = performance.now();
  return Promise.resolve(fn()).then(() => console.log(`${name} (${Math.round(performance.now() - t)} ms)`));
}

/** Writes generated files and removes stale ones, so that the committed tree equals the table. */
function writeGenerated(dir: string, files: Map<string, string>) {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (!files.has(f)) rmSync(join(dir, f));
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
}

/**
 * Completions and man pages. Loaded after compileTable(): they read the compiled table, which must
 * not be imported before it is rewritten.
 */
export async function generatedFiles(): Promise<{ completions: Map<string, string>; man: Map<string, string> }> {
  const [{ completionScript, SHELLS }, { allPages }] = await Promise.all([import("./src/cli/gen/completion.js"), import("./src/cli/gen/manpage.js")]);
  const ext = { bash: "skiff.bash", zsh: "_skiff", fish: "skiff.fish" } as const;
  return {
    completions: new Map(SHELLS.map((s) => [ext[s], completionScript(s)])),
    man: allPages(RELEASE_DATE),
  };
}

/** src/cli/table/compiled.ts: the command table as a literal (see source.ts). */
function compileTable() {
  const path = join(here, "src", "cli", "table", "compiled.ts");
  const text = compiledTable();
  if (readFileSync(path, "utf8") !== text) writeFileSync(path, text);
}

async function main() {
  compileTable();
  mkdirSync(dist, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  if (!targetsOnly) await hostBuild();
  for (const t of targets) await compileFor(t, `skiff-${t}`);
}

function compileFor(target: string | undefined, out: string) {
  const bun = join(here, "node_modules", ".bin", "bun");
  return step(`compile ${join(outDir, out)}${target ? ` for ${target}` : ""}`, () => {
    // Bun bundles src/ itself: an executable compiled from esbuild's bundle starts ~2.5x slower
    // (measured: 68 ms vs 26 ms for the same code), because every module is then initialised up front.
    // no .env or bunfig.toml from the working directory: a file there would set the environment
    // (PATH, SKIFF_ROOT) of a program usually run as root. JIT tier-up thresholds ×10: most of a
    // command's code runs once, and compiling it cost ~7 ms of every `ps` and `run` (measured, A/B);
    // long loops (unpacking, hashing, logs) still tier up, and imports ran no slower
    execFileSync(bun, ["build", join(here, "src", "main.ts"), "--compile", "--compile-jit-policy=10", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", "--splitting", "--minify", "--bytecode", "--format=esm", ...(target ? [`--target=bun-${target}`] : []), "--outfile", join(outDir, out)], { stdio: ["ignore", "ignore", "inherit"] });
  });
}

async function hostBuild() {
  await step("bundle dist/skiff.js", async () => {
    // skiff's code as CommonJS modules' functions, which dist/skiff.js (bundle/loader.ts) compiles
    // through a V8 code cache and calls: the CLI (dist/skiff-code.cjs) and the shim's code alone
    // (dist/skiff-shim.cjs), which every running container's shim holds for its whole life
    const script = { bundle: true, format: "cjs", platform: "node", target: "node18", minifySyntax: true, legalComments: "none", charset: "ascii" } as const;
    const payload = async (entry: string, file: string) => {
      const out = await build({
        ...script,
        entryPoints: [join(here, entry)],
        write: false,
        external: ["bun:ffi"],
        define: { "import.meta.url": "__skiffMainUrl" },
        // a script compiled by node:vm has no dynamic import(): the builtins it loads late are required
        supported: { "dynamic-import": false },
        banner: { js: 'var __skiffMainUrl = require("node:url").pathToFileURL(__filename).href;' },
      });
      const code = `(function (exports, require, module, __filename, __dirname) {${out.outputFiles[0].text}\n})`;
      // one character above U+007F makes V8 hold the whole source as a two-byte string: 1.6 MB
      // instead of 0.8 in every Node process (measured); esbuild leaves regular expressions and
      // some comments as written
      const wide = code.split("\n").findIndex((l) => /[^\x00-\x7f]/.test(l));
      if (wide !== -1) throw new Error(`dist/${file} line ${wide + 1} is not ASCII (write \\u escapes): ${code.split("\n")[wide].trim().slice(0, 80)}`);
      writeFileSync(join(dist, file), code);
      return code;
    };
    const codes = [await payload("src/main.ts", "skiff-code.cjs"), await payload("src/bundle/shim-entry.ts", "skiff-shim.cjs")];
    await build({
      ...script,
      entryPoints: [join(here, "src/bundle/loader.ts")],
      outfile: join(dist, "skiff.js"),
      define: { __SKIFF_CODE_ID__: JSON.stringify(createHash("sha256").update(codes.join("\0")).digest("hex").slice(0, 12)) },
      banner: { js: "#!/usr/bin/env node" },
    });
    chmodSync(join(dist, "skiff.js"), 0o755);
    // the repository's package.json says "module": dist/ holds a CommonJS script
    writeFileSync(join(dist, "package.json"), '{ "type": "commonjs" }\n');
  });
  await step("generate completions/ and man/", async () => {
    const { completions, man } = await generatedFiles();
    writeGenerated(join(here, "completions"), completions);
    writeGenerated(join(here, "man"), man);
  });
  if (compile) {
    await compileFor(undefined, "skiff");
    console.log(sizeReport());
  }
}

/**
 * What the executable is made of: the Bun runtime it embeds (the size of the bun that compiled it)
 * and skiff's own code and bytecode; and the bundle, for a device with a system Node instead.
 */
export function sizeReport(): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const exe = statSync(join(outDir, "skiff")).size;
  const runtime = statSync(realpathSync(join(here, "node_modules", ".bin", "bun"))).size;
  const bundle = ["skiff.js", "skiff-code.cjs", "skiff-shim.cjs"].reduce((n, f) => n + statSync(join(dist, f)).size, 0);
  return `size: dist/skiff ${mb(exe)} = the Bun runtime ${mb(runtime)} + skiff's code and bytecode ${mb(exe - runtime)}; dist/skiff.js + skiff-code.cjs + skiff-shim.cjs ${mb(bundle)} (for a system Node)`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
