/** What container commands share: store paths, lookup of the containers named on the command line. */
import { environmentError, oneLine, ExitError, SkiffError, isSkiffError } from "../../errors.js";
import type { ContainerPaths } from "../../container/paths.js";
import type { ContainerRecord } from "../../container/record.js";
import { getRecord, listRecords } from "../../container/store.js";
import type { Context } from "../context.js";

export function pathsOf(ctx: Context): ContainerPaths {
  return { root: ctx.root, runroot: ctx.runroot };
}

/** Names beside --all or --latest: refused, as podman refuses them. */
export function refuseNamesWithAll(opts: Record<string, unknown>, names: string[]): void {
  if ((opts.all || opts.latest) && names.length) throw new SkiffError("INVALID_ARGUMENT", opts.all ? "no arguments are needed with --all" : "no arguments are needed with --latest");
}

/** The containers a command acts on: the names given, --all, or --latest. */
export function targets(ctx: Context, args: string[], opts: Record<string, unknown>, filter: (r: ContainerRecord) => boolean = () => true): ContainerRecord[] {
  const p = pathsOf(ctx);
  const all = listRecords(p);
  if (opts.all) return all.filter(filter);
  if (opts.latest) return all.length ? [all[all.length - 1]] : [];
  if (args.length === 0) throw new SkiffError("INVALID_ARGUMENT", "give at least one container name or ID, --all or --latest");
  return args.map((a) => getRecord(p, a, all));
}

/**
 * Runs `fn` on each container named, as podman does for stop/kill/rm/start: print what succeeded,
 * report each failure on its own line, exit `missingCode` when a container did not exist (podman:
 * 1 for rm, 125 for the others), the error's own code otherwise.
 */
export async function eachNamed(ctx: Context, names: string[], opts: Record<string, unknown>, fn: (rec: ContainerRecord, query?: string) => Promise<string | void>, missingCode = 125): Promise<void> {
  const p = pathsOf(ctx);
  const all = listRecords(p);
  refuseNamesWithAll(opts, names);
  const list: (ContainerRecord | string)[] = opts.all ? all : opts.latest ? all.slice(-1) : names;
  if (list.length === 0 && !opts.all && !opts.latest) throw new SkiffError("INVALID_ARGUMENT", "give at least one container name or ID, --all or --latest");
  let status = 0;
  for (const item of list) {
    try {
      const rec = typeof item === "string" ? getRecord(p, item, all) : item;
      const out = await fn(rec, typeof item === "string" ? item : undefined);
      if (out !== undefined) ctx.stdout.write(`${out}\n`);
    } catch (err) {
      if (isSkiffError(err, "NOT_FOUND") && opts.ignore) continue;
      ctx.stderr.write(`Error: ${oneLine(environmentError(err) ?? (err as Error).message)}\n`);
      const code = isSkiffError(err, "NOT_FOUND") ? missingCode : isSkiffError(err) ? err.exitCode : 125;
      status = status === 0 ? code : Math.max(status, code);
    }
  }
  if (status) throw new ExitError(status);
}
