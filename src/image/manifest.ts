/** Parsing and checking manifests, indexes and configs from the registry or the store. Pure. */
import { SkiffError } from "../errors.js";
import { checkDescriptor, type Descriptor } from "./store/blobs.js";
import { manifestKind } from "./media.js";

export interface ImageManifest { schemaVersion: number; mediaType?: string; config: Descriptor; layers: Descriptor[] }
export interface ImageIndex { schemaVersion: number; mediaType?: string; manifests: Descriptor[] }

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: {
    User?: string; Env?: string[]; Entrypoint?: string[] | null; Cmd?: string[] | null; WorkingDir?: string;
    Labels?: Record<string, string> | null; ExposedPorts?: Record<string, object>; Volumes?: Record<string, object>; StopSignal?: string;
  };
  rootfs: { type: string; diff_ids: string[] };
  history?: { created?: string; created_by?: string; empty_layer?: boolean; comment?: string; author?: string }[];
}

function parseJson<T>(data: Uint8Array, what: string): T {
  try {
    return JSON.parse(new TextDecoder().decode(data)) as T;
  } catch {
    throw new SkiffError("INVALID_ARGUMENT", `${what}: not valid JSON`);
  }
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
  if (!config.rootfs || !Array.isArray(config.rootfs.diff_ids)) throw new SkiffError("INVALID_ARGUMENT", `${what}: no rootfs.diff_ids`);
  if (config.rootfs.diff_ids.length !== layers) {
    throw new SkiffError("INVALID_ARGUMENT", `${what}: ${config.rootfs.diff_ids.length} diff_ids for ${layers} layers`);
  }
  return config;
}
