/** Parsing and checking manifests, indexes and configs from the registry or the store. Pure. */
import { SkiffError } from "../errors.js";
import { checkDescriptor, type Descriptor } from "./store/blobs.js";
import { manifestKind } from "./media.js";

export interface ImageManifest { schemaVersion: number; mediaType?: string; config: Descriptor; layers: Descriptor[] }
export interface ImageIndex { schemaVersion: number; mediaType?: string; manifests: Descriptor[] }

export interface Healthcheck { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number }

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: {
    User?: string; Env?: string[]; Entrypoint?: string[] | null; Cmd?: string[] | null; WorkingDir?: string;
    Labels?: Record<string, string> | null; ExposedPorts?: Record<string, object>; Volumes?: Record<string, object>; StopSignal?: string;
    /** Docker-schema fields a build writes (podman keeps them in OCI configs it reads). */
    Healthcheck?: Healthcheck; OnBuild?: string[] | null; Shell?: string[];
  };
  rootfs: { type: string; diff_ids: string[] };
  history?: { created?: string; created_by?: string; empty_layer?: boolean; comment?: string; author?: string }[];
}

/** A JSON object (manifests, indexes and configs are objects: `null`, a list or a number is not one). */
function parseJson<T>(data: Uint8Array, what: string): T {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(data));
  } catch {
    throw new SkiffError("INVALID_ARGUMENT", `${what}: not valid JSON`);
  }
  if (!isObject(doc)) throw new SkiffError("INVALID_ARGUMENT", `${what}: not a JSON object`);
  return doc as T;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");

/** The fields skiff uses, with the types it uses them as: a hostile config must fail here, not deep in spec building. */
function checkConfigFields(config: ImageConfig, what: string): void {
  const bad = (field: string) => { throw new SkiffError("INVALID_ARGUMENT", `${what}: ${field} has the wrong type`); };
  for (const k of ["architecture", "os", "variant", "created", "author"] as const) if (config[k] !== undefined && typeof config[k] !== "string") bad(k);
  if (!config.rootfs.diff_ids.every((d) => typeof d === "string" && /^[a-z0-9]+:[a-f0-9]{32,128}$/.test(d))) bad("rootfs.diff_ids");
  if (config.history !== undefined && !(Array.isArray(config.history) && config.history.every(isObject))) bad("history");
  const c = config.config;
  if (c === undefined || c === null) return;
  if (!isObject(c)) bad("config");
  for (const k of ["User", "WorkingDir", "StopSignal"] as const) if (c[k] !== undefined && c[k] !== null && typeof c[k] !== "string") bad(`config.${k}`);
  for (const k of ["Env", "Entrypoint", "Cmd"] as const) if (c[k] !== undefined && c[k] !== null && !isStrings(c[k])) bad(`config.${k}`);
  for (const k of ["ExposedPorts", "Volumes"] as const) if (c[k] !== undefined && c[k] !== null && !isObject(c[k])) bad(`config.${k}`);
  if (c.Labels !== undefined && c.Labels !== null && !(isObject(c.Labels) && Object.values(c.Labels).every((v) => typeof v === "string"))) bad("config.Labels");
}

/** Decides what a fetched document is; the body's mediaType must agree with the header (CVE-2021-41190). */
export function classify(data: Uint8Array, contentType: string, what: string): { kind: "index"; index: ImageIndex } | { kind: "manifest"; manifest: ImageManifest } {
  const doc = parseJson<{ schemaVersion?: number; mediaType?: string; manifests?: unknown; layers?: unknown; config?: unknown }>(data, what);
  if (doc.schemaVersion === 1 || manifestKind(contentType) === "schema1") {
    throw new SkiffError("FAILED_PRECONDITION", `${what}: Docker schema 1 manifests are not supported`, { hint: "the image is too old; rebuild or re-push it with a current tool" });
  }
  const bodyType = doc.mediaType ?? "";
  if (bodyType && contentType && manifestKind(contentType) !== "unknown" && bodyType !== contentType) {
    throw new SkiffError("FAILED_PRECONDITION", `${what}: media type ${bodyType} does not match the Content-Type ${contentType}`);
  }
  const kind = manifestKind(bodyType || contentType);
  const looksIndex = Array.isArray(doc.manifests) && !doc.layers;
  if (kind === "index" || (kind === "unknown" && looksIndex)) {
    const index = doc as ImageIndex;
    if (!Array.isArray(index.manifests)) throw new SkiffError("INVALID_ARGUMENT", `${what}: index without manifests`);
    index.manifests.forEach((d) => checkDescriptor(d, `${what} entry`));
    return { kind: "index", index };
  }
  if (kind === "manifest" || (kind === "unknown" && Array.isArray(doc.layers) && doc.config)) {
    const manifest = doc as ImageManifest;
    if (!manifest.config || !Array.isArray(manifest.layers)) throw new SkiffError("INVALID_ARGUMENT", `${what}: manifest without config or layers`);
    checkDescriptor(manifest.config, `${what} config`);
    manifest.layers.forEach((d) => checkDescriptor(d, `${what} layer`));
    return { kind: "manifest", manifest };
  }
  throw new SkiffError("FAILED_PRECONDITION", `${what}: unsupported media type "${bodyType || contentType}"`);
}

export function parseConfig(data: Uint8Array, what: string, layers: number): ImageConfig {
  const config = parseJson<ImageConfig>(data, what);
  if (!isObject(config.rootfs) || !Array.isArray(config.rootfs.diff_ids)) throw new SkiffError("INVALID_ARGUMENT", `${what}: no rootfs.diff_ids`);
  if (config.rootfs.diff_ids.length !== layers) {
    throw new SkiffError("INVALID_ARGUMENT", `${what}: ${config.rootfs.diff_ids.length} diff_ids for ${layers} layers`);
  }
  checkConfigFields(config, what);
  return config;
}
