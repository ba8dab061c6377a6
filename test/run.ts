/**
 * `npm test`: rebuilds dist/ when src/ is newer, then runs every test file (or the ones named on the
 * command line) with node's test runner, and ends with the line "N passed, N failed, N skipped".
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { BIN, REPO } from "./helpers/skiff.js";

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith(".test.ts") ? [join(dir, e.name)] : [],
  );
}

const sources = ["src", "build.ts", "package.json"].map((p) => join(REPO, p));
if (!existsSync(BIN) || Math.max(...sources.map(newest)) > statSync(BIN).mtimeMs) {
  console.log("dist/ is missing or older than src/: building");
  const b = spawnSync(process.execPath, ["--import", "tsx", join(REPO, "build.ts")], { stdio: "inherit", cwd: REPO });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const files = process.argv.length > 2 ? process.argv.slice(2) : testFiles(join(REPO, "test")).map((f) => relative(REPO, f)).sort();
const r = spawnSync(
  process.execPath,
  [
    "--import", "tsx",
    "--test",
    // a hung test fails after 5 minutes instead of stalling CI
    "--test-timeout=300000",
    "--test-reporter=spec", "--test-reporter-destination=stdout",
    `--test-reporter=${join(REPO, "test", "summary-reporter.mjs")}`, "--test-reporter-destination=stdout",
    ...files,
  ],
  { stdio: "inherit", cwd: REPO },
);
process.exit(r.status ?? 1);
