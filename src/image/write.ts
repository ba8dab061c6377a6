/**
 * A new image in the store from a config and layers already stored as blobs (import, commit,
 * build): the config and manifest become blobs, the names point at the manifest.
 */
import { sha256Of } from "./digest.js";
import { REPOSITORY } from "./images.js";
import type { ImageConfig } from "./manifest.js";
import { MEDIA } from "./media.js";
import { putBlob, type Descriptor } from "./store/blobs.js";
import { setRef, updateIndex } from "./store/refs.js";
import type { StorePaths } from "./store/layout.js";

export interface WrittenImage { id: string; manifest: Descriptor }

export type ImageFormat = "oci" | "docker";

/** The layer types of a format: local layers are stored uncompressed (their digest is their diffID). */
const TYPES = {
  oci: { manifest: MEDIA.ociManifest, config: MEDIA.ociConfig, layer: MEDIA.ociLayer },
  docker: { manifest: MEDIA.dockerManifest, config: MEDIA.dockerConfig, layer: MEDIA.dockerLayerTar },
} as const;

/** A layer descriptor in `format`'s media types (a pulled compressed layer keeps its own type). */
export function layerIn(format: ImageFormat, layer: Descriptor): Descriptor {
  if (layer.mediaType === MEDIA.ociLayer || layer.mediaType === MEDIA.dockerLayerTar) return { ...layer, mediaType: TYPES[format].layer };
  return layer;
}

/** Stores `config` and its manifest and points each of `names` (full "repo:tag" names) at it. */
export async function writeImage(s: StorePaths, config: ImageConfig, layers: Descriptor[], names: string[], opts: { annotations?: Record<string, string>; format?: ImageFormat } = {}): Promise<WrittenImage> {
  const types = TYPES[opts.format ?? "oci"];
  const annotations = opts.format === "docker" ? undefined : opts.annotations;
  const configData = Buffer.from(JSON.stringify(config));
  const configDesc: Descriptor = { mediaType: types.config, digest: sha256Of(configData), size: configData.length };
  await putBlob(s, configDesc, configData, "config");
  const manifest = { schemaVersion: 2, mediaType: types.manifest, config: configDesc, layers: layers.map((l) => layerIn(opts.format ?? "oci", l)), ...(annotations && Object.keys(annotations).length ? { annotations } : {}) };
  const manifestData = Buffer.from(JSON.stringify(manifest));
  const manifestDesc: Descriptor = { mediaType: types.manifest, digest: sha256Of(manifestData), size: manifestData.length };
  await putBlob(s, manifestDesc, manifestData, "manifest");
  const platform = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
  await updateIndex(s, (index) => {
    if (names.length === 0) setRef(index, { ...manifestDesc, platform }, undefined);
    for (const name of names) setRef(index, { ...manifestDesc, platform, annotations: { [REPOSITORY]: name.slice(0, name.lastIndexOf(":")) } }, name);
  });
  return { id: configDesc.digest, manifest: manifestDesc };
}
