/**
 * Runs a planned build: each needed stage from its base (an image, `scratch` or an earlier stage),
 * each step either found in the build cache or carried out (metadata steps change the config, RUN
 * and COPY/ADD run in a working container whose upper dir becomes the layer), printing what podman
 * prints. The target stage's last state becomes the image.
 */
import { closeSync } from "node:fs";
import { SkiffError } from "../errors.js";
import { openRoot } from "../snapshot/rooted.js";
import type { SourceRoot } from "./sources.js";
import type { Logger } from "../log.js";
import type { Sys } from "../sys/types.js";
import { sha256Of } from "../image/digest.js";
import type { ImageRecord } from "../image/images.js";
import type { ImageConfig } from "../image/manifest.js";
import { MEDIA } from "../image/media.js";
import type { Platform } from "../image/platform.js";
import { putBlob, readBlob, type Descriptor } from "../image/store/blobs.js";
import { lookupStep, recordStep, stepKey } from "../image/store/build-cache.js";
import { parseConfig } from "../image/manifest.js";
import { writeImage, type ImageFormat } from "../image/write.js";
import type { ContainerOptions } from "../container/options.js";
import type { ContainerPaths } from "../container/paths.js";
import type { MountInfo } from "../container/record.js";
import { parseContainerfile, type Instruction } from "./containerfile.js";
import { applyMetadata, DEFAULT_SHELL, envMap, metadataCreatedBy, type StageVars } from "./instructions.js";
import type { IgnorePattern } from "./ignore.js";
import { planStages, type Stage } from "./plan.js";
import { runStep, copyStep, type StepContext } from "./steps.js";
import { squashImage, squashNew } from "./squash.js";
import { processWord } from "./words.js";
import type { StepState } from "./working.js";

export interface BuildOptions {
  paths: ContainerPaths;
  fileName: string;
  fileText: string;
  contextDir: string;
  ignore: IgnorePattern[];
  tags: string[];
  /** The first -t as typed (podman's "COMMIT name" line). */
  commitName?: string;
  buildArgs: Map<string, string>;
  target?: string;
  noCache: boolean;
  layers: boolean;
  format: ImageFormat;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  timestamp?: { seconds: number; clamp: boolean };
  quiet: boolean;
  squash: "none" | "new" | "all";
  platform: Platform;
  runtime: string;
  /** --network, --cap-add, --ulimit, --add-host… for RUN. */
  runOptions: ContainerOptions;
  /** -v for RUN. */
  volumes: MountInfo[];
  secrets: Map<string, string>;
  /** An image by name, pulled according to --pull. */
  resolveImage(ref: string): Promise<{ record: ImageRecord; name: string }>;
  out(text: string): void;
  warn(text: string): void;
  sys: Sys;
  log: Logger;
  rootless: boolean;
}

export interface State extends StepState { layers: Descriptor[] }

const PLATFORM_ARGS = (p: Platform) => {
  const platform = `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
  const set = (prefix: string) => ({ [`${prefix}PLATFORM`]: platform, [`${prefix}OS`]: p.os, [`${prefix}ARCH`]: p.architecture, [`${prefix}VARIANT`]: p.variant ?? "" });
  return { ...set("TARGET"), ...set("BUILD") };
};

/** Stores a state's config as a blob; its digest is the state's ID (and, for the last, the image's). */
export async function storeState(o: BuildOptions, name: string, config: ImageConfig, layers: Descriptor[]): Promise<State> {
  const data = new TextEncoder().encode(JSON.stringify(config));
  const id = sha256Of(data);
  await putBlob(o.paths, { mediaType: MEDIA.ociConfig, digest: id, size: data.length }, data, "config");
  return { id, name, config, layers };
}

function loadState(o: BuildOptions, name: string, id: string, layers: Descriptor[]): State {
  return { id, name, layers, config: parseConfig(readBlob(o.paths, id, "config"), `config ${id}`, layers.length) };
}

function scratch(o: BuildOptions): ImageConfig {
  return { architecture: o.platform.architecture, os: o.platform.os, ...(o.platform.variant ? { variant: o.platform.variant } : {}), config: {}, rootfs: { type: "layers", diff_ids: [] }, history: [] };
}

/** What OCI configs cannot hold: dropped with podman's warning (docker format keeps them). */
function forFormat(config: ImageConfig, format: ImageFormat, inst: Instruction, warn: (t: string) => void): ImageConfig {
  if (format === "docker") return config;
  const c = { ...(config.config ?? {}) };
  if (inst.keyword === "HEALTHCHECK") warn("HEALTHCHECK is not supported for OCI image format and will be ignored. Must use `docker` format");
  if (inst.keyword === "SHELL") warn(`SHELL is not supported for OCI image format, [${(inst.json ?? []).join(" ")}] will be ignored. Must use \`docker\` format`);
  if (inst.keyword === "ONBUILD") warn(`ONBUILD is not supported for OCI image format, ${inst.rest.trim()} will be ignored. Must use \`docker\` format`);
  delete c.Healthcheck;
  delete c.OnBuild;
  delete c.Shell;
  return { ...config, config: c };
}

export async function build(o: BuildOptions): Promise<{ id: string }> {
  const parsed = parseContainerfile(o.fileText, o.fileName);
  for (const w of parsed.warnings) o.warn(w);
  const plan = planStages(parsed.instructions, o.fileName, o.target);
  const escape = parsed.escape;
  // global ARGs: usable in FROM lines; the platform args are predefined there
  const globals = new Map<string, string>(Object.entries(PLATFORM_ARGS(o.platform)));
  for (const inst of plan.globalArgs) {
    for (const [k, v] of argPairs(inst, (n) => globals.get(n), escape)) globals.set(k, o.buildArgs.get(k) ?? v ?? "");
  }
  const results = new Map<number, State>();
  // podman numbers the stages up to the target
  const counted = plan.build[plan.build.length - 1] + 1;
  const multi = counted > 1;
  let final: State | undefined;
  const context: SourceRoot = { fd: openRoot(o.contextDir), ignore: o.ignore };
  try {
    for (const index of plan.build) {
      const stage = plan.stages[index];
      const isTarget = index === plan.build[plan.build.length - 1];
      const prefix = multi ? `[${index + 1}/${counted}] ` : "";
      final = await buildStage(o, stage, { results, globals, escape, prefix, isTarget, stages: plan.stages, context });
      results.set(index, final);
    }
  } finally {
    closeSync(context.fd);
  }
  return { id: final!.id };
}

interface StageInputs { results: Map<number, State>; globals: Map<string, string>; escape: string; prefix: string; isTarget: boolean; stages: Stage[]; context: SourceRoot }

/** ARG's NAME[=default] pairs, defaults expanded. */
function argPairs(inst: Instruction, lookup: (n: string) => string | undefined, escape: string): [string, string | undefined][] {
  const words = inst.rest.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) throw new SkiffError("INVALID_ARGUMENT", `ARG requires at least one argument (line ${inst.line})`);
  return words.map((w) => {
    const eq = w.indexOf("=");
    return eq === -1 ? [w, undefined] : [w.slice(0, eq), processWord(w.slice(eq + 1), lookup, escape)];
  });
}

/** FROM as podman prints it: the base image expanded. */
function fromLine(o: BuildOptions, stage: Stage, s: StageInputs): string {
  const ref = processWord(stage.base, (n) => o.buildArgs.get(n) ?? s.globals.get(n), s.escape);
  // an earlier stage is shown by the ID of its result, as podman shows it
  const byStage = s.stages.findIndex((x) => x.name === ref.toLowerCase() && x.index < stage.index);
  const shown = byStage !== -1 ? (s.results.get(byStage)?.id.slice(7) ?? ref) : ref;
  return stage.from.original.replace(stage.base, shown);
}

async function baseState(o: BuildOptions, stage: Stage, s: StageInputs): Promise<State> {
  const lookup = (n: string) => o.buildArgs.get(n) ?? s.globals.get(n);
  const ref = processWord(stage.base, lookup, s.escape);
  const platform = stage.from.flags.platform?.[0];
  if (platform !== undefined) {
    // RUN steps run here: a stage for another platform could not run them
    const want = processWord(platform, lookup, s.escape);
    if (want !== s.globals.get("BUILDPLATFORM") && want !== `${o.platform.os}/${o.platform.architecture}`) {
      throw new SkiffError("FAILED_PRECONDITION", `${o.fileName}:${stage.from.line}: FROM --platform=${want}: this host builds for ${s.globals.get("BUILDPLATFORM")}`, { hint: "build on a machine of that platform" });
    }
  }
  if (ref === "") throw new SkiffError("INVALID_ARGUMENT", `${o.fileName}:${stage.from.line}: FROM: the base image name is empty`);
  const byStage = s.stages.findIndex((x) => x.name === ref.toLowerCase() && x.index < stage.index);
  if (byStage !== -1) {
    const r = s.results.get(byStage);
    if (!r) throw new SkiffError("INTERNAL", `stage ${ref} was not built`);
    return r;
  }
  if (ref === "scratch") return storeState(o, "scratch", scratch(o), []);
  const { record, name } = await o.resolveImage(ref);
  return { id: record.id, name, config: record.config, layers: record.manifest.layers };
}

async function buildStage(o: BuildOptions, stage: Stage, s: StageInputs): Promise<State> {
  const total = stage.steps.length + 1;
  let n = 1;
  o.out(`${s.prefix}STEP ${n}/${total}: ${fromLine(o, stage, s)}\n`);
  let state = await baseState(o, stage, s);
  const baseLayers = state.layers.length;
  const args = new Map<string, string>();
  const config0 = state.config.config ?? {};
  const vars: StageVars = {
    lookup: (name) => envMap(state.config.config?.Env).get(name) ?? args.get(name),
    escape: s.escape,
    shell: config0.Shell ?? DEFAULT_SHELL,
    cmdSet: false,
  };
  const triggers = (config0.OnBuild ?? []).map((t) => parseContainerfile(t, `${o.fileName} (ONBUILD of ${state.name})`).instructions[0]).filter(Boolean);
  if (triggers.length) state = await storeState(o, state.name, { ...state.config, config: { ...config0, OnBuild: null } }, state.layers);
  const ctx: StepContext = { o, stage, results: s.results, stages: s.stages, vars, args, globals: s.globals, context: s.context };
  let useCache = o.layers && !o.noCache;
  const steps = [...triggers, ...stage.steps];
  for (let i = 0; i < steps.length; i++) {
    const inst = steps[i];
    const last = i === steps.length - 1;
    const fromTrigger = i < triggers.length;
    if (!fromTrigger) o.out(`${s.prefix}STEP ${++n}/${total}: ${inst.original}\n`);
    const step = await stepPlan(ctx, inst, state);
    try {
    const key = stepKey(state.id, step.createdBy, [o.format, ...step.extra]);
    const hit = useCache ? lookupStep(o.paths.root, key) : undefined;
    if (hit) {
      state = loadState(o, state.name, hit.id, hit.layers);
      if (step.after) step.after();
      o.out(`--> Using cache ${hit.id.slice(7)}\n`);
    } else {
      useCache = false;
      const created = o.timestamp ? new Date(o.timestamp.seconds * 1000).toISOString() : new Date().toISOString();
      const made = await step.run();
      let config: ImageConfig = { ...made.config, created, history: [...(state.config.history ?? []), { created, created_by: step.createdBy, ...(made.layer ? {} : { empty_layer: true }) }] };
      if (made.layer) config = { ...config, rootfs: { type: "layers", diff_ids: [...state.config.rootfs.diff_ids, made.layer.diffId] } };
      config = forFormat(config, o.format, inst, o.warn);
      state = await storeState(o, state.name, config, made.layer ? [...state.layers, made.layer.layer] : state.layers);
      if (o.layers) recordStep(o.paths.root, key, { id: state.id, layers: state.layers });
    }
    } finally {
      step.dispose?.();
    }
    if (last && s.isTarget) return commitFinal(o, state, s.prefix, baseLayers);
    o.out(`--> ${state.id.slice(7, 18)}\n`);
  }
  if (s.isTarget) return commitFinal(o, state, s.prefix, baseLayers);
  return state;
}

/** The target's last state as the image: --label, --annotation, squash, names. */
async function commitFinal(o: BuildOptions, state: State, prefix: string, baseLayers: number): Promise<State> {
  o.out(`${prefix}COMMIT ${o.commitName ?? ""}`.trimEnd() + "\n");
  let config = state.config;
  let layers = state.layers;
  if (Object.keys(o.labels).length) config = { ...config, config: { ...config.config, Labels: { ...(config.config?.Labels ?? {}), ...o.labels } } };
  if (o.squash === "all") ({ config, layers } = await squashImage(o.paths, config, o));
  else if (o.squash === "new") ({ config, layers } = await squashNew(o.paths, config, layers, baseLayers, o));
  if (o.timestamp) config = { ...config, created: new Date(o.timestamp.seconds * 1000).toISOString() };
  const { id } = await writeImage(o.paths, config, layers, o.tags, { format: o.format, annotations: o.annotations });
  o.out(`--> ${id.slice(7, 18)}\n`);
  for (const t of o.tags) o.out(`Successfully tagged ${t}\n`);
  return { ...state, id, config, layers };
}

export interface StepPlan {
  createdBy: string;
  /** What else the result depends on (the digest of copied content). */
  extra: string[];
  run(): Promise<{ config: ImageConfig; layer?: { layer: Descriptor; diffId: string } }>;
  /** Effects on the stage's variables that a cache hit must still have (ARG). */
  after?(): void;
  /** Releases what planning took (a stage's rootfs mounted for COPY --from). */
  dispose?(): void;
}

async function stepPlan(ctx: StepContext, inst: Instruction, state: State): Promise<StepPlan> {
  const { o, vars, args } = ctx;
  switch (inst.keyword) {
    case "RUN":
      return runStep(ctx, inst, state);
    case "COPY":
    case "ADD":
      return copyStep(ctx, inst, state);
    case "ARG": {
      const pairs = argPairs(inst, vars.lookup, vars.escape);
      const apply = () => {
        for (const [k, v] of pairs) {
          const value = o.buildArgs.get(k) ?? v ?? ctxGlobal(ctx, k);
          if (value !== undefined) args.set(k, value);
        }
      };
      return { createdBy: `/bin/sh -c #(nop) ARG ${pairs.map(([k]) => k).join(" ")}`, extra: [], after: apply, run: async () => (apply(), { config: state.config }) };
    }
    default: {
      // computed now: the key is the instruction after substitution, i.e. what it makes of the config
      const next = applyMetadata(state.config, inst, vars, o.fileName);
      return { createdBy: metadataCreatedBy(inst), extra: [JSON.stringify(next.config ?? {}), next.author ?? ""], run: async () => ({ config: next }) };
    }
  }
}

function ctxGlobal(ctx: StepContext, name: string): string | undefined {
  return ctx.globals.get(name);
}
