/** How to start this same program again (for the shim): the executable, or runtime + script. */
import { jsRuntime } from "../runtime-info.js";

export function selfArgv(): string[] {
  const script = process.argv[1];
  // a Bun executable reports its embedded entry under /$bunfs; the executable alone restarts it
  if (!script || script.startsWith("/$bunfs") || script.startsWith("B:\\~BUN")) return [process.execPath];
  if (jsRuntime() === "deno") return [process.execPath, "run", "-A", script];
  return [process.execPath, ...process.execArgv, script];
}
