/**
 * podman's inspect of several names: what was found is printed (JSON "[]" when nothing was),
 * each missing one gets "Error: inspecting object: …" on stderr, and the command exits 125.
 */
import { oneLine, ExitError, isSkiffError } from "../../errors.js";
import { formatInspect } from "../../output/format.js";
import type { Context } from "../context.js";

export function inspectEach(ctx: Context, names: string[], lookup: (name: string) => unknown, format: string | undefined): string {
  const docs: unknown[] = [];
  const missing: string[] = [];
  for (const n of names) {
    try {
      docs.push(lookup(n));
    } catch (err) {
      if (!isSkiffError(err, "NOT_FOUND")) throw err;
      missing.push(err.message);
    }
  }
  if (missing.length === 0) return formatInspect(docs, format);
  ctx.stdout.write(formatInspect(docs, format));
  for (const m of missing) ctx.stderr.write(`Error: inspecting object: ${oneLine(m)}\n`);
  throw new ExitError(125);
}
