/** `build [CONTEXT]`: flags → build options (the Containerfile, ignore file, args, RUN's container options). */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { build } from "../../build/executor.js";
import { parseIgnoreFile } from "../../build/ignore.js";
import { SkiffError } from "../../errors.js";
import { keyValues, parseCreateOptions, parseVolume } from "../../container/options.js";
import type { MountInfo } from "../../container/record.js";
import { tagName } from "../../image/remove.js";
import { readSmallFile } from "../../util/bounded-file.js";
import { getSys } from "../../sys/index.js";
import type { Handler } from "../table/types.js";
import { platformOf } from "./image-context.js";
import { pathsOf } from "./container-context.js";
import { imageFor } from "./run.js";
import { rootlessDefaultNetwork } from "../../network/rootless-default.js";

const MAX_FILE = 16 << 20;

function readText(path: string, what: string): string {
  if (!existsSync(path)) throw new SkiffError("NOT_FOUND", `stat ${path}: no such file or directory`);
  return readSmallFile(path, what, MAX_FILE);
}

/** -f, or Containerfile then Dockerfile in the context. */
function containerfile(context: string, file: string | undefined, stdin: () => string): { name: string; text: string; path?: string } {
  if (file === "-") return { name: "(stdin)", text: stdin() };
  if (file !== undefined) {
    const path = isAbsolute(file) || existsSync(file) ? resolve(file) : join(context, file);
    return { name: file, text: readText(path, "the Containerfile"), path };
  }
  for (const name of ["Containerfile", "Dockerfile"]) {
    const path = join(context, name);
    if (existsSync(path)) return { name, text: readText(path, "the Containerfile"), path };
  }
  throw new SkiffError("NOT_FOUND", `no Containerfile or Dockerfile specified or found in context directory, ${context}: no such file or directory`);
}

/** --ignorefile, else FILE.containerignore / FILE.dockerignore beside the Containerfile, else the context's. */
function ignoreText(context: string, file: string | undefined, explicit: string | undefined): string {
  if (explicit) return readText(explicit, "the ignore file");
  const candidates = [...(file ? [`${file}.containerignore`, `${file}.dockerignore`] : []), join(context, ".containerignore"), join(context, ".dockerignore")];
  for (const c of candidates) if (existsSync(c)) return readText(c, "the ignore file");
  return "";
}

function buildArgs(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): Map<string, string> {
  const out = new Map<string, string>();
  const add = (entry: string) => {
    const eq = entry.indexOf("=");
    if (eq === -1) { if (env[entry] !== undefined) out.set(entry, env[entry]!); }
    else out.set(entry.slice(0, eq), entry.slice(eq + 1));
  };
  for (const f of (opts.buildArgFile as string[]) ?? []) {
    for (const line of readText(f, "the build-arg file").split(/\r?\n/)) if (line.trim() && !line.trimStart().startsWith("#")) add(line.trim());
  }
  for (const a of (opts.buildArg as string[]) ?? []) add(a);
  return out;
}

function secrets(list: string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of list ?? []) {
    const kv = keyValues(s.split(","), "--secret");
    if (!kv.id || !(kv.src ?? kv.source)) throw new SkiffError("INVALID_ARGUMENT", `invalid --secret "${s}": expected id=ID,src=FILE`);
    const src = resolve(kv.src ?? kv.source);
    if (!existsSync(src)) throw new SkiffError("NOT_FOUND", `--secret ${kv.id}: ${src}: no such file or directory`);
    out.set(kv.id, src);
  }
  return out;
}

function epoch(value: unknown, flag: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new SkiffError("INVALID_ARGUMENT", `invalid ${flag} "${String(value)}": expected seconds since 1970`);
  return n;
}

/** --manifest LIST: the built image joins the list (made if missing). */
async function addToList(ctx: Parameters<Handler>[0]["ctx"], list: string, id: string): Promise<void> {
  const { emptyList, findList, instanceOf, saveList, withInstance } = await import("../../image/manifest-list.js");
  const { listImages } = await import("../../image/images.js");
  const { blobPath } = await import("../../image/store/layout.js");
  const s = pathsOf(ctx);
  const image = listImages(s).find((i) => i.id === id);
  if (!image) throw new SkiffError("INTERNAL", `built image ${id} is not in the store`);
  const name = tagName(list);
  const index = findList(s, name)?.index ?? emptyList();
  await saveList(s, name, withInstance(index, instanceOf(image, statSync(blobPath(s, image.manifestDigest)).size)));
}

export const build_: Handler = async ({ ctx, args, opts }) => {
  // a build's steps are committed from their overlay layer, which a vfs container does not have
  if (ctx.storageDriver === "vfs") throw new SkiffError("NOT_IMPLEMENTED", "build with the vfs storage driver: not supported yet", { hint: "build with the overlay driver (the default)" });
  const context = resolve(args[0] ?? ".");
  let st;
  try {
    st = statSync(context);
  } catch {
    throw new SkiffError("NOT_FOUND", `context must be a directory: "${context}"`);
  }
  if (!st.isDirectory()) throw new SkiffError("INVALID_ARGUMENT", `context must be a directory: "${context}"`);
  let tags: string[];
  tags = ((opts.tag as string[]) ?? []).map((t) => {
    try {
      return tagName(t);
    } catch (err) {
      throw new SkiffError("INVALID_ARGUMENT", `tag ${t}: ${err instanceof SkiffError ? err.message : "invalid reference format"}`);
    }
  });
  const file = containerfile(context, opts.file as string | undefined, () => readFileSync(0, "utf8"));
  const ignore = parseIgnoreFile(ignoreText(context, file.path, opts.ignorefile as string | undefined));
  const ts = epoch(opts.timestamp, "--timestamp");
  const sde = epoch(opts.sourceDateEpoch ?? ctx.env.SOURCE_DATE_EPOCH, "--source-date-epoch");
  const { platform, explicit } = platformOf(opts);
  const host = platformOf({}).platform;
  if (explicit && (platform.os !== host.os || platform.architecture !== host.architecture)) {
    throw new SkiffError("FAILED_PRECONDITION", `--platform ${opts.platform}: this host (${host.os}/${host.architecture}) cannot run RUN steps for it`, { hint: "build on a machine of that platform" });
  }
  const runOptions = parseCreateOptions({
    network: opts.network, addHost: opts.addHost, dns: opts.dns, dnsSearch: opts.dnsSearch, dnsOption: opts.dnsOption,
    capAdd: opts.capAdd, capDrop: opts.capDrop, ulimit: opts.ulimit, securityOpt: opts.securityOpt,
  }, { env: ctx.env, envFiles: [], logDefaults: { maxSize: 0, maxFile: 1 }, defaultNetwork: ctx.rootless ? rootlessDefaultNetwork(ctx.env) : undefined });
  const volumes: MountInfo[] = ((opts.volume as string[]) ?? []).map(parseVolume).map((v) => {
    if (v.kind !== "bind") throw new SkiffError("INVALID_ARGUMENT", `build -v ${v.source}:${v.destination}: only host paths can be mounted into RUN`);
    return { type: "bind", source: v.source, destination: v.destination, rw: v.rw, options: v.options };
  });
  const pull = String(opts.pull ?? "missing");
  const policy = pull === "always" ? "always" : pull === "never" || pull === "false" ? "never" : "missing";
  const { id } = await build({
    paths: pathsOf(ctx),
    fileName: file.name,
    fileText: file.text,
    contextDir: context,
    ignore,
    tags,
    commitName: (opts.tag as string[] | undefined)?.[0],
    buildArgs: buildArgs(opts, ctx.env),
    target: opts.target as string | undefined,
    noCache: opts.noCache === true,
    layers: opts.layers !== false,
    format: opts.format === "docker" ? "docker" : "oci",
    labels: keyValues((opts.label as string[]) ?? [], "--label"),
    annotations: keyValues((opts.annotation as string[]) ?? [], "--annotation"),
    timestamp: ts !== undefined ? { seconds: ts, clamp: false } : sde !== undefined ? { seconds: sde, clamp: true } : undefined,
    quiet: opts.quiet === true,
    squash: opts.squashAll ? "all" : opts.squash ? "new" : "none",
    platform,
    runtime: ctx.runtime,
    runOptions,
    volumes,
    secrets: secrets(opts.secret as string[]),
    resolveImage: (ref) => imageFor(ctx, ref, { pull: policy }),
    out: (text) => { if (!opts.quiet) ctx.stdout.write(text); },
    warn: (text) => ctx.log.warn(text),
    sys: await getSys(),
    log: ctx.log,
    rootless: ctx.rootless,
  });
  if (typeof opts.iidfile === "string") writeFileSync(opts.iidfile, id);
  if (typeof opts.manifest === "string") await addToList(ctx, opts.manifest, id);
  return `${id.slice(7)}\n`;
};

export { build_ as build };
