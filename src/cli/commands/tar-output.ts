/** Where `export` and `volume export` write their tar: -o FILE (written as FILE.part, then renamed), or a stdout that is not a terminal. */
import { closeSync, openSync, renameSync } from "node:fs";
import { SkiffError } from "../../errors.js";
import { fdStream, isTerminalFd } from "../../output/stdio.js";
import type { Sink } from "../../snapshot/tar/pack.js";
import { writeAllSync } from "../../util/write.js";

export async function writeTar(out: string | undefined, pack: (sink: Sink) => Promise<void>): Promise<void> {
  if (!out && isTerminalFd(1)) throw new SkiffError("INVALID_ARGUMENT", "refusing to export to a terminal", { hint: "use -o FILE or redirect stdout" });
  const fd = out ? openSync(`${out}.part`, "w", 0o644) : 1;
  // stdout may be a non-blocking pipe (a Node parent's): its writer waits out EAGAIN, and a reader
  // that went away ends the export quietly, as SIGPIPE would
  const stdout = out ? undefined : fdStream(1);
  try {
    await pack((chunk) => {
      if (stdout) stdout.write(chunk);
      else writeAllSync(fd, chunk);
    });
  } finally {
    if (out) closeSync(fd);
  }
  if (out) renameSync(`${out}.part`, out);
}
