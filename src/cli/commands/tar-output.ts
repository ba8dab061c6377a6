/** Where `export` and `volume export` write their tar: -o FILE (written as FILE.part, then renamed), or a stdout that is not a terminal. */
import { closeSync, openSync, renameSync } from "node:fs";
import { SkiffError } from "../../errors.js";
import { isTerminalFd } from "../../output/stdio.js";
import type { Sink } from "../../snapshot/tar/pack.js";
import { writeAllSync } from "../../util/write.js";

export async function writeTar(out: string | undefined, pack: (sink: Sink) => Promise<void>): Promise<void> {
  if (!out && isTerminalFd(1)) throw new SkiffError("INVALID_ARGUMENT", "refusing to export to a terminal", { hint: "use -o FILE or redirect stdout" });
  const fd = out ? openSync(`${out}.part`, "w", 0o644) : 1;
  try {
    await pack((chunk) => writeAllSync(fd, chunk));
  } finally {
    if (out) closeSync(fd);
  }
  if (out) renameSync(`${out}.part`, out);
}
