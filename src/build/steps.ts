/**
 * The two steps that change files: RUN (its command, heredocs, build args as environment and
 * `--mount=type=bind|cache|tmpfs|secret`) and COPY/ADD (sources, destination, owners). Each is
 * planned first (its history text and content digest are its cache key) and run on a miss.
 */
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmdirSync, rmSync } from "node:fs";
import { join, posix } from "node:path";
import { SkiffError } from "../errors.js";
import { chainIds, sha256Of } from "../image/digest.js";
import { ingestDir } from "../image/store/layout.js";
import type { MountInfo } from "../container/record.js";
import { snapshotFs } from "../snapshot/store.js";
import { openRoot } from "../snapshot/rooted.js";
import { MNT_DETACH, MS } from "../sys/types.js";
import type { Instruction } from "./containerfile.js";
import type { BuildOptions, State, StepPlan } from "./executor.js";
import { commandOf, envMap, runCreatedBy, type StageVars } from "./instructions.js";
import type { Stage } from "./plan.js";
import { copyInto, parseChmod, type CopyPlan } from "./copy-step.js";
import { hashEntry, newDigest, resolveSources, sourceEntries, type SourceRoot } from "./sources.js";
import { cleanPath, parseIgnoreFile } from "./ignore.js";
import { createWorking, finishWorking, mountWorking, runWorking } from "./working.js";
import { expandOnly, processWord, splitRaw } from "./words.js";
import { downloadSource } from "./download.js";
import { createHash } from "../util/crypto.js";
import { overlayData } from "../rootless/userns.js";

export interface StepContext {
  o: BuildOptions;
  stage: Stage;
  results: Map<number, State>;
  stages: Stage[];
  vars: StageVars;
  args: Map<string, string>;
  globals: Map<string, string>;
  context: SourceRoot;
}

const PROXY_ARGS = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"];

function stepError(ctx: StepContext, inst: Instruction, message: string, exitCode?: number): SkiffError {
  return new SkiffError("FAILED_PRECONDITION", `building at STEP "${inst.original}" (${ctx.o.fileName}:${inst.line}): ${message}`, exitCode === undefined ? {} : { exitCode });
}

/** A state's file system, mounted read-only for the step (COPY --from, RUN --mount from=). */
function mountState(ctx: StepContext, state: State): { dir: string; release(): void } {
  const { o } = ctx;
  const base = mkdtempSync(join(ingestDir(o.paths), `${process.pid}.from.`));
  const dir = join(base, "fs"), empty = join(base, "empty");
  mkdirSync(dir);
  mkdirSync(empty);
  const lowers = chainIds(state.config.rootfs.diff_ids).reverse().map((c) => snapshotFs(o.paths, c));
  o.sys.mount("overlay", dir, "overlay", MS.RDONLY, overlayData([`lowerdir=${[...lowers, empty].join(":")}`]));
  return {
    dir,
    release() {
      o.sys.umount(dir, MNT_DETACH);
      rmdirSync(dir);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** The root a --from names: an earlier stage, else an image. */
async function fromRoot(ctx: StepContext, ref: string): Promise<{ root: SourceRoot; release(): void; id: string }> {
  const byName = ctx.stages.find((s) => s.name === ref.toLowerCase() && s.index < ctx.stage.index);
  const index = byName?.index ?? (/^\d+$/.test(ref) && Number(ref) < ctx.stage.index ? Number(ref) : undefined);
  let state: State;
  if (index !== undefined) {
    const r = ctx.results.get(index);
    if (!r) throw new SkiffError("INTERNAL", `stage ${ref} was not built`);
    state = r;
  } else {
    const { record, name } = await ctx.o.resolveImage(ref);
    state = { id: record.id, name, config: record.config, layers: record.manifest.layers };
  }
  const m = mountState(ctx, state);
  const fd = openRoot(m.dir);
  return { root: { fd }, id: state.id, release: () => { closeSync(fd); m.release(); } };
}

/** RUN --mount=… → mounts of the working container (and what to undo after it). */
async function runMounts(ctx: StepContext, inst: Instruction, releases: (() => void)[]): Promise<{ mounts: MountInfo[]; key: string[] }> {
  const mounts: MountInfo[] = [];
  const key: string[] = [];
  for (const spec of inst.flags.mount ?? []) {
    const kv = new Map<string, string>();
    for (const part of spec.split(",")) {
      const eq = part.indexOf("=");
      kv.set(eq === -1 ? part : part.slice(0, eq), eq === -1 ? "true" : part.slice(eq + 1));
    }
    const type = kv.get("type") ?? "bind";
    const target = kv.get("target") ?? kv.get("dst") ?? kv.get("destination");
    const rw = kv.get("rw") === "true" || kv.get("readwrite") === "true";
    switch (type) {
      case "bind": {
        if (!target) throw stepError(ctx, inst, "--mount type=bind needs a target");
        const from = kv.get("from");
        const source = posix.join("/", kv.get("source") ?? kv.get("src") ?? "/");
        let host: string;
        if (from) {
          const r = await fromRoot(ctx, from);
          releases.push(r.release);
          host = join(`/proc/self/fd/${r.root.fd}`, source);
          host = realHost(host);
          key.push(`bind:${r.id}:${source}`);
        } else {
          host = realHost(join(ctx.o.contextDir, source));
          if (!(host + "/").startsWith(realHost(ctx.o.contextDir) + "/") && host !== realHost(ctx.o.contextDir)) throw stepError(ctx, inst, `--mount source ${source} is outside the build context`);
        }
        mounts.push({ type: "bind", source: host, destination: target, rw, options: [] });
        break;
      }
      case "cache": {
        if (!target) throw stepError(ctx, inst, "--mount type=cache needs a target");
        const id = kv.get("id") ?? target;
        const dir = join(ctx.o.paths.root, "build-cache-mounts", sha256Of(id).slice(7, 23));
        if (!existsSync(dir)) {
          mkdirSync(dir, { recursive: true, mode: 0o755 });
          chmodSync(dir, parseInt(kv.get("mode") ?? "755", 8));
          chownSync(dir, Number(kv.get("uid") ?? 0), Number(kv.get("gid") ?? 0));
        }
        mounts.push({ type: "bind", source: dir, destination: target, rw: kv.get("ro") !== "true" && kv.get("readonly") !== "true", options: [] });
        break;
      }
      case "tmpfs":
        if (!target) throw stepError(ctx, inst, "--mount type=tmpfs needs a target");
        mounts.push({ type: "tmpfs", source: "tmpfs", destination: target, rw: true, options: kv.has("size") ? [`size=${kv.get("size")}`] : [] });
        break;
      case "secret": {
        const id = kv.get("id") ?? (target ? posix.basename(target) : undefined);
        if (!id) throw stepError(ctx, inst, "--mount type=secret needs an id");
        const src = ctx.o.secrets.get(id);
        if (!src) {
          if (kv.get("required") === "true") throw stepError(ctx, inst, `secret ${id} was not given (--secret id=${id},src=FILE)`);
          break;
        }
        mounts.push({ type: "bind", source: src, destination: target ?? `/run/secrets/${id}`, rw: false, options: [] });
        break;
      }
      default:
        throw stepError(ctx, inst, `unsupported --mount type "${type}"`);
    }
  }
  return { mounts, key };
}

function realHost(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export async function runStep(ctx: StepContext, inst: Instruction, state: State): Promise<StepPlan> {
  const { o, vars } = ctx;
  let command: string[];
  let heredocText = "";
  if (inst.heredocs.length && !inst.json) {
    const rest = inst.rest.trim();
    const h = inst.heredocs[0];
    if (inst.heredocs.length === 1 && /^\d*<<-?\s*['"]?[A-Za-z_][A-Za-z0-9_.-]*['"]?$/.test(rest)) {
      // RUN <<EOF: the body is the script, run by the shell
      command = [...vars.shell, h.body];
    } else {
      command = [...vars.shell, `${rest}\n${inst.heredocs.map((d) => `${d.body}${d.name}\n`).join("")}`];
    }
    heredocText = inst.heredocs.map((d) => `\n${d.body}${d.name}`).join("");
  } else command = commandOf(inst, vars.shell);
  const env = envMap(state.config.config?.Env);
  const argEnv = [...ctx.args].filter(([k]) => !env.has(k));
  const proxies = PROXY_ARGS.filter((k) => o.buildArgs.has(k) && !ctx.args.has(k)).map((k) => `${k}=${o.buildArgs.get(k)}`);
  const releases: (() => void)[] = [];
  let mounts: { mounts: MountInfo[]; key: string[] };
  try {
    mounts = await runMounts(ctx, inst, releases);
  } catch (err) {
    for (const r of releases) r();
    throw err;
  }
  const createdBy = runCreatedBy(inst.heredocs.length && !inst.json ? [...vars.shell, inst.rest.trim()] : command, argEnv, heredocText);
  return {
    createdBy,
    extra: [inst.flags.network?.[0] ?? "", ...mounts.key],
    dispose: () => { for (const r of releases.reverse()) r(); },
    run: async () => {
      const network = inst.flags.network?.[0];
      const options = network ? { ...o.runOptions, network: network === "default" ? o.runOptions.network : network } : o.runOptions;
      const rec = await createWorking(o.paths, state, { runtime: o.runtime, options, mounts: [...o.volumes, ...mounts.mounts], args: command, env: [...argEnv.map(([k, v]) => `${k}=${v}`), ...proxies] });
      let code: number;
      try {
        code = await runWorking(o.paths, rec, state.config, o.sys, o.quiet ? "ignore" : "inherit");
      } catch (err) {
        await finishWorking(o.paths, rec, state.config.rootfs.diff_ids, { ...o, keep: false });
        if (err instanceof SkiffError) throw stepError(ctx, inst, err.message);
        throw err;
      }
      if (code !== 0) {
        await finishWorking(o.paths, rec, state.config.rootfs.diff_ids, { ...o, keep: false });
        throw stepError(ctx, inst, `while running runtime: exit status ${code}`, code);
      }
      const layer = await finishWorking(o.paths, rec, state.config.rootfs.diff_ids, { ...o, keep: true });
      return { config: state.config, layer };
    },
  };
}

/** --exclude patterns (relative to each source) on top of the context's ignore file. */
function withExcludes(root: SourceRoot, excludes: string[], under = ""): SourceRoot {
  if (excludes.length === 0) return root;
  // a pattern without a "/" names files at any depth below the source
  const forms = (e: string) => (e.includes("/") ? [e] : [e, `**/${e}`]);
  const extra = parseIgnoreFile(excludes.flatMap((e) => forms(e).flatMap((f) => [f, ...(under ? [`${under}/${f}`] : [])])).join("\n"));
  return { ...root, ignore: [...(root.ignore ?? []), ...extra] };
}

/** --parents: the directories of the source kept under the destination (from a "./" marker on, if any). */
function parentsOf(word: string, rel: string): string {
  const marker = word.indexOf("/./");
  const keepFrom = marker === -1 ? 0 : cleanPath(word.slice(0, marker)).split("/").filter(Boolean).length;
  return posix.dirname(rel.split("/").slice(keepFrom).join("/")).replace(/^\.$/, "");
}

export async function copyStep(ctx: StepContext, inst: Instruction, state: State): Promise<StepPlan> {
  const { o, vars } = ctx;
  const add = inst.keyword === "ADD";
  const words = (inst.json ?? splitRaw(inst.rest, vars.escape)).map((w) => (inst.json ? w : processWord(w, vars.lookup, vars.escape)));
  if (words.length < 2) throw stepError(ctx, inst, `${inst.keyword} requires at least two arguments`);
  const destWord = words[words.length - 1];
  const srcWords = words.slice(0, -1);
  const from = inst.flags.from?.[0] !== undefined ? processWord(inst.flags.from[0], vars.lookup, vars.escape) : undefined;
  if (add && from) throw stepError(ctx, inst, "ADD does not take --from; use COPY");
  const releases: (() => void)[] = [];
  const dispose = () => { for (const r of releases.reverse()) r(); };
  try {
    let root = ctx.context;
    if (from) {
      const r = await fromRoot(ctx, from);
      releases.push(r.release);
      root = r.root;
    }
    const plan: CopyPlan = { add, sources: [], dest: "", destIsDir: false, chown: inst.flags.chown?.[0], chmod: parseChmod(inst.flags.chmod?.[0]) };
    const heredocs = new Map(inst.heredocs.map((h) => [h.name, h]));
    let wildcard = false;
    for (const w of srcWords) {
      const doc = /^\d*<<-?['"]?([A-Za-z_][A-Za-z0-9_.-]*)['"]?$/.exec(w);
      if (doc && heredocs.has(doc[1])) {
        const h = heredocs.get(doc[1])!;
        plan.sources.push({ kind: "data", name: h.name, data: new TextEncoder().encode(h.expand ? expandOnly(h.body, vars.lookup, vars.escape) : h.body), mode: 0o644, mtime: 0 });
        continue;
      }
      if (add && /^https?:\/\//i.test(w)) {
        const d = await downloadSource(w, o.log);
        const sum = inst.flags.checksum?.[0];
        if (sum !== undefined && sum !== `sha256:${createHash("sha256").update(d.data).digest("hex")}`) throw stepError(ctx, inst, `${w}: the download does not have the checksum ${sum}`);
        plan.sources.push({ kind: "data", name: d.name, data: d.data, mode: 0o600, mtime: d.mtime });
        continue;
      }
      if (/[*?[]/.test(w)) wildcard = true;
      const found = resolveSources(withExcludes(root, inst.flags.exclude ?? []), w);
      for (const src of found) plan.sources.push({ kind: "path", root: withExcludes(root, inst.flags.exclude ?? [], src.rel), src, ...(inst.flags.parents ? { parents: parentsOf(w, src.rel) } : {}) });
    }
    if (plan.sources.length === 0) throw stepError(ctx, inst, `no source files were specified (${srcWords.map((w) => `"${w}"`).join(", ")} matched nothing)`);
    const workdir = state.config.config?.WorkingDir || "/";
    plan.dest = posix.resolve(workdir, destWord) + (destWord.endsWith("/") && destWord !== "/" ? "/" : "");
    plan.destIsDir = plan.sources.length > 1 || wildcard || destWord.endsWith("/");
    // the content digest: what the step copies, names, modes, owners, times and data
    const hash = newDigest();
    for (const s of plan.sources) {
      if (s.kind === "data") {
        hash.update(new TextEncoder().encode(`${JSON.stringify([s.name, s.mode, s.mtime, s.data.length])}\n`));
        hash.update(s.data);
      } else for await (const e of sourceEntries(s.root, s.src, s.src.isDir ? "" : posix.basename(s.src.rel), {})) await hashEntry(hash, e);
    }
    const hex = hash.digest("hex");
    const kind = plan.sources.length > 1 ? "multi" : plan.sources[0].kind === "path" && (plan.sources[0] as { src: { isDir: boolean } }).src.isDir ? "dir" : "file";
    // every flag but --from (its content is in the digest) changes what the step makes
    const flags = Object.entries(inst.flags).filter(([k]) => k !== "from").flatMap(([k, vs]) => vs.map((v) => (v === "" ? `--${k} ` : `--${k}=${v} `))).join("");
    return {
      createdBy: `/bin/sh -c #(nop) ${inst.keyword} ${flags}${kind}:${hex} in ${destWord} `,
      extra: [hex, plan.dest, from ?? ""],
      dispose,
      run: async () => {
        const rec = await createWorking(o.paths, state, { runtime: o.runtime, options: o.runOptions, mounts: [], args: ["true"], env: [] });
        try {
          const rootfs = mountWorking(o.paths, rec, o.sys);
          await copyInto(rootfs, plan, o.sys);
        } catch (err) {
          await finishWorking(o.paths, rec, state.config.rootfs.diff_ids, { ...o, keep: false });
          if (err instanceof SkiffError) throw stepError(ctx, inst, err.message);
          throw err;
        }
        const layer = await finishWorking(o.paths, rec, state.config.rootfs.diff_ids, { ...o, keep: true });
        return { config: state.config, layer };
      },
    };
  } catch (err) {
    dispose();
    if (err instanceof SkiffError && !err.message.startsWith("building at STEP")) throw stepError(ctx, inst, err.message);
    throw err;
  }
}
