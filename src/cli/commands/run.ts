/** create, run and start: a container from an image, its shim, and (in the foreground) its stdio. */
import { containerEvent } from "../../events/log.js";
import { closeSync, constants, openSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ZONEINFO } from "../../container/bundle.js";
import { runtimePath } from "../../container/runtime.js";
import { ExitError, SkiffError, errnoCode } from "../../errors.js";
import { createContainer } from "../../container/create.js";
import { observedState, removeContainer, runtimeFirst, startContainer, stopContainer } from "../../container/lifecycle.js";
import { parseCreateOptions } from "../../container/options.js";
import type { ContainerPaths } from "../../container/paths.js";
import type { ContainerRecord } from "../../container/record.js";
import { attach, spawnShim } from "../../container/shim-client.js";
import { getRecord, listRecords } from "../../container/store.js";
import { matchFilters } from "../../container/view.js";
import { findImage, resolveImage } from "../../image/images.js";
import { storeOf } from "./image-context.js";
import { parsePlatform } from "../../image/platform.js";
import { parseSize } from "../../spec/values.js";
import { detachMatcher, parseDetachKeys } from "../detach-keys.js";
import { rawOutput } from "../terminal-output.js";
import { getSys } from "../../sys/index.js";
import { terminalUnsupported } from "../../shim/child.js";
import type { Context } from "../context.js";
import { readSmallFile } from "../../util/bounded-file.js";
import type { Handler, Invocation } from "../table/types.js";
import { isActive } from "../../container/record.js";
import { eachNamed, pathsOf } from "./container-context.js";
import { outerIds } from "../../rootless/userns.js";
import { parseAuto } from "../../rootless/auto-userns.js";
import { autoRequest, autoSizeOf } from "../../container/auto-ids.js";
import { rootlessDefaultNetwork } from "../../network/rootless-default.js";

function readEnvFile(path: string): string {
  return readSmallFile(path, "env file");
}

function claimCidfile(path: string): { path: string; fd: number } {
  try {
    return { path, fd: openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644) };
  } catch (err) {
    if (errnoCode(err) === "EEXIST") throw new SkiffError("ALREADY_EXISTS", `container id file exists. Ensure another container is not using it or delete ${path}`);
    throw new SkiffError("INVALID_ARGUMENT", `opening cidfile ${path}: ${errnoCode(err) === "ENOENT" ? "no such file or directory" : errnoCode(err) ?? String(err)}`);
  }
}

/** The image for run/create, pulled according to --pull. */
export async function imageFor(ctx: Context, ref: string, opts: Record<string, unknown>) {
  const p = pathsOf(ctx);
  const search = ctx.config.registries.unqualifiedSearch;
  const policy = String(opts.pull ?? "missing");
  if (typeof opts.platform === "string") parsePlatform(opts.platform); // a malformed one fails here, also for a local image
  let found = policy === "always" ? undefined : resolveImage(p, ref, search);
  if (!found) {
    if (policy === "never") throw new SkiffError("NOT_FOUND", `image ${ref} is not in the store`, { hint: "pull it first, or use --pull missing" });
    // loaded only now: the registry client, TLS and decompression cost every run ~15 ms to load
    const { pullFor } = await import("./pull.js");
    const pulled = await pullFor(ctx, ref, opts);
    const record = findImage(p, pulled.id, []);
    if (!record) throw new SkiffError("INTERNAL", `pulled image ${pulled.id} is not in the store`);
    found = { image: record, name: record.names.find((n) => n === `${pulled.reference.domain}/${pulled.reference.path}:${pulled.reference.tag}`) ?? record.names[0] ?? ref };
  }
  return { record: found.image, name: found.name ?? ref };
}

/** logs.max_size / logs.max_file of the config file: no limit and one file unless set. */
function logDefaults(ctx: Context): { maxSize: number; maxFile: number } {
  const { maxSize, maxFile } = ctx.config.logs;
  return { maxSize: maxSize ? parseSize(maxSize, "logs.max_size") : 0, maxFile: maxFile ?? 1 };
}

async function create({ ctx, args, rest, opts }: Invocation): Promise<ContainerRecord> {
  const envFiles = ((opts.envFile as string[]) ?? []).map(readEnvFile);
  const o = parseCreateOptions(opts, { env: ctx.env, envFiles, logDefaults: logDefaults(ctx), zoneExists: (name) => statSync(join(ZONEINFO, name), { throwIfNoEntry: false })?.isFile() ?? false, defaultNetwork: ctx.rootless ? rootlessDefaultNetwork(ctx.env) : undefined });
  // podman's words: keep-id maps the ordinary user's own IDs, of which root has none to keep
  if (o.userns === "keep-id") {
    const ids = outerIds(ctx.env);
    if (!ctx.rootless || !ids) throw new SkiffError("INVALID_ARGUMENT", "keep-id is only supported in rootless mode");
    o.keepId = ids;
    // as podman: the process runs as the user unless --user says otherwise
    o.user ??= `${ids.uid}:${ids.gid}`;
  }
  if (o.userns === "nomap") {
    if (!ctx.rootless) throw new SkiffError("INVALID_ARGUMENT", "nomap is only supported in rootless mode");
    o.nomap = true;
  }
  const auto = o.userns ? parseAuto(o.userns) : undefined;
  if (auto) {
    // podman as root takes the ranges of a "containers" user of /etc/subuid; not done here yet
    if (!ctx.rootless) throw new SkiffError("NOT_IMPLEMENTED", "--userns auto as root: not supported yet", { hint: "run it as an ordinary user (rootless), or use --userns host" });
    o.nomap = true;
  }
  // vfs: the image's layers copied into the container's own directory instead of an overlay
  if (ctx.storageDriver === "vfs") o.storageDriver = "vfs";
  const noTerminal = o.tty ? terminalUnsupported() : undefined;
  if (noTerminal) throw noTerminal;
  const image = await imageFor(ctx, args[0], opts);
  const p = pathsOf(ctx);
  // --mount type=image: the image the name means now, kept by its ID (as podman, no pull)
  for (const v of o.volumes) {
    if (v.kind !== "image") continue;
    const img = findImage(storeOf(ctx), v.source, ctx.config.registries.unqualifiedSearch);
    if (!img) throw new SkiffError("NOT_FOUND", `${v.source}: image not known`, { hint: "pull it first" });
    v.source = img.id;
  }
  // as podman does: a runtime that is not there fails the create, not the start
  runtimePath(ctx.runtime, ctx.env);
  if (ctx.rootless) {
    const { cgroupsDelegated, ignoredLimits } = await import("../../rootless/cgroups.js");
    const ignored = cgroupsDelegated() ? [] : ignoredLimits(o);
    if (ignored.length) ctx.log.warn(`${ignored.join(", ")} ignored: rootless resource limits need cgroup v2 with the user's cgroup delegated (systemd's user session)`);
    if (opts.detach || o.restart.name !== "no") {
      const linger = (await import("../../rootless/session.js")).lingerWarning(ctx.env, outerIds(ctx.env)?.uid ?? -1);
      if (linger) ctx.log.warn(linger);
    }
  }
  const sys = await getSys();
  // the ID file is claimed before anything is created, as podman's: a bad path creates nothing
  const cid = typeof opts.cidfile === "string" ? claimCidfile(opts.cidfile) : undefined;
  let rec: ContainerRecord;
  try {
    rec = await createContainer(p, image, o, rest, {
      autoIds: auto ? autoRequest(auto, () => autoSizeOf(storeOf(ctx), image.record.chainIds)) : undefined,
      runtime: ctx.runtime,
      createCommand: ["skiff", ...process.argv.slice(2)],
      replace: opts.replace ? async (id) => removeContainer(p, getRecord(p, id), sys, { force: true, volumes: true }) : undefined,
    });
  } catch (err) {
    if (cid) rmSync(cid.path, { force: true });
    throw err;
  } finally {
    if (cid) closeSync(cid.fd);
  }
  if (cid) writeFileSync(cid.path, rec.id);
  return rec;
}

export const createCommand: Handler = async (inv) => `${(await create(inv)).id}\n`;

/** Attaches to a started shim, sends GO, relays stdio, signals and terminal size; resolves to the exit code. */
export async function foreground(ctx: Context, p: ContainerPaths, rec: ContainerRecord, interactive: boolean, detachKeys = "ctrl-p,ctrl-q", streams = ["stdout", "stderr"]): Promise<number> {
  const tty = rec.options.tty;
  let stopStdin = () => undefined as void;
  const match = detachMatcher(parseDetachKeys(detachKeys));
  let detach: () => void = () => undefined;
  const detached = new Promise<"detached">((resolve) => (detach = () => resolve("detached")));
  const session = await attach(p, rec.id, {
    onStdout: (b) => streams.includes("stdout") && ctx.stdout.write(b),
    onStderr: (b) => streams.includes("stderr") && ctx.stderr.write(b),
    stdin: interactive
      ? (send, eof) => {
        // raw mode: every key, Ctrl-C included, goes to the container's terminal
        const raw = tty && process.stdin.isTTY;
        if (raw) process.stdin.setRawMode(true);
        const onData = (d: Buffer) => {
          const { forward, detached: done } = match(d);
          if (forward.length) send(forward);
          if (done) detach();
        };
        const onEnd = () => eof();
        process.stdin.on("data", onData);
        process.stdin.on("end", onEnd);
        stopStdin = () => {
          process.stdin.off("data", onData);
          process.stdin.off("end", onEnd);
          if (raw) process.stdin.setRawMode(false);
          process.stdin.destroy();
        };
      }
      : undefined,
  });
  const relay = (sig: NodeJS.Signals) => session.signal(sig);
  const resize = () => {
    if (process.stdout.isTTY) session.resize(process.stdout.rows, process.stdout.columns);
  };
  process.on("SIGINT", relay);
  process.on("SIGTERM", relay);
  if (tty) {
    resize();
    process.on("SIGWINCH", resize);
  }
  const restoreOutput = tty ? rawOutput() : () => undefined;
  session.go();
  const result = await Promise.race([session.exit, detached]).finally(restoreOutput);
  process.off("SIGINT", relay);
  process.off("SIGTERM", relay);
  process.off("SIGWINCH", resize);
  stopStdin();
  session.close();
  // the container keeps running; its shim does not depend on this process
  if (result === "detached") return 0;
  if (result.code < 0) throw new SkiffError("UNAVAILABLE", `container ${rec.name}: ${result.error}`);
  if (result.error && result.code >= 125) throw new SkiffError("FAILED_PRECONDITION", result.error, { exitCode: result.code });
  return result.code;
}

export const run: Handler = async (inv) => {
  const { ctx, opts } = inv;
  const p = pathsOf(ctx);
  parseDetachKeys(String(opts.detachKeys ?? "ctrl-p,ctrl-q")); // a bad sequence fails before anything exists
  // -a stdout/-a stderr: only those streams reach this terminal (all of them still reach the log)
  const streams = ((opts.attach as string[]) ?? []).map((s) => s.toLowerCase());
  for (const s of streams) if (!["stdin", "stdout", "stderr"].includes(s)) throw new SkiffError("INVALID_ARGUMENT", `invalid -a "${s}"`, { hint: "use stdin, stdout or stderr" });
  const sys = await getSys();
  // started now, its start-up overlaps creating the container; unless the runtime can start
  // before it (then it starts once the bundle is ready)
  const attachWait = !opts.detach;
  const shim = runtimeFirst({ tty: Boolean(opts.tty), interactive: Boolean(opts.interactive) }, attachWait, sys) ? undefined : await spawnShim();
  let rec: ContainerRecord;
  try {
    rec = await create(inv);
  } catch (err) {
    shim?.abort();
    throw err;
  }
  try {
    await startContainer(p, rec, sys, { attachWait, shim });
  } catch (err) {
    // a --rm container that never ran is not kept either
    if (opts.rm) await removeContainer(p, rec, sys, { force: true, volumes: true }).catch(() => undefined);
    throw err;
  }
  if (opts.detach) return `${rec.id}\n`;
  const code = await foreground(ctx, p, rec, rec.options.interactive, String(opts.detachKeys ?? "ctrl-p,ctrl-q"), streams.length ? streams : undefined);
  if (code !== 0) throw new ExitError(code);
};

export const start: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const sys = await getSys();
  if (opts.attach || opts.interactive) {
    if (args.length !== 1) throw new SkiffError("INVALID_ARGUMENT", "start --attach takes exactly one container");
    const rec = getRecord(p, args[0]);
    await startContainer(p, rec, sys, { attachWait: true });
    const code = await foreground(ctx, p, rec, Boolean(opts.interactive));
    if (code !== 0) throw new ExitError(code);
    return;
  }
  if (opts.all && args.length) throw new SkiffError("INVALID_ARGUMENT", "either start all containers or the container(s) provided in the arguments");
  const filters = (opts.filter as string[]) ?? [];
  if (filters.length && !opts.all) throw new SkiffError("INVALID_ARGUMENT", "--filter needs --all");
  // --all starts what is not running (and matches the filters): at boot, the policy containers
  const wanted = opts.all ? new Set(listRecords(p).filter((rec) => {
    const state = observedState(p, rec.id);
    return (state.status === "created" || state.status === "exited") && matchFilters(filters, { rec, state });
  }).map((r) => r.id)) : undefined;
  await eachNamed(ctx, args, opts, async (rec, query) => {
    if (wanted && !wanted.has(rec.id)) return undefined;
    await startContainer(p, rec, sys, { attachWait: false });
    containerEvent(p.root, rec, "restart");
    return query ?? rec.id;
  });
};

export const restart: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const sys = await getSys();
  await eachNamed(ctx, args, opts, async (rec, query) => {
    const running = isActive(observedState(p, rec.id).status);
    if (opts.running && !running) return undefined;
    if (running) await stopContainer(p, rec, typeof opts.time === "number" ? opts.time : rec.options.stopTimeout);
    await startContainer(p, rec, sys, { attachWait: false });
    return query ?? rec.id;
  });
};
