/** Process entry of dist/skiff.js and the compiled dist/skiff. */
import { main } from "./cli/main.js";

// A closed pipe (`skiff images | head -1`) is not an error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  uid: typeof process.getuid === "function" ? process.getuid() : 0,
});
process.exitCode = code;
