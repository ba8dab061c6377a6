/**
 * Process entry of dist/skiff.js and the compiled dist/skiff. `skiff --version` is answered here,
 * before the CLI is loaded: scripts and health checks call it often, and in a compiled executable
 * every module loaded costs start-up time (bench/startup.sh measures it).
 */
import { writeSync } from "node:fs";
import { VERSION } from "./version.js";

/** No top-level await: dist/skiff.js runs this module as a script, through a V8 code cache (bundle/loader.ts). */
async function start(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
    writeSync(1, `skiff version ${VERSION}\n`);
  } else if (argv[0] === "__shim") {
    // the per-container shim: a hidden mode of the same executable that loads none of the CLI
    const { shimProcess } = await import("./shim/process.js");
    await shimProcess(argv[1]);
  } else {
    const [{ main }, { fdStream }] = await Promise.all([import("./cli/main.js"), import("./output/stdio.js")]);
    process.exitCode = await main(argv, {
      env: process.env,
      stdout: fdStream(1),
      stderr: fdStream(2),
      uid: typeof process.getuid === "function" ? process.getuid() : 0,
    });
  }
}

void start();
