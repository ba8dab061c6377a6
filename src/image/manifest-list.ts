/**
 * Manifest lists (`manifest create|add|annotate|rm`, `build --manifest`): an OCI image index kept
 * in the store as a blob, named in index.json like an image (so skopeo sees it too), each change
 * a new blob the name moves to. Instances are local images, referenced by manifest digest.
 */
import { SkiffError } from "../errors.js";
import { sha256Of } from "./digest.js";
import { isListType, type ImageRecord } from "./images.js";
import type { ImageIndex } from "./manifest.js";
import { MEDIA } from "./media.js";
import { putBlob, readBlob, type Descriptor } from "./store/blobs.js";
import { REF_NAME, readIndex, setRef, updateIndex } from "./store/refs.js";
import type { StorePaths } from "./store/layout.js";
import { tagName } from "./remove.js";

export interface ManifestList { name: string; digest: string; index: ImageIndex & { manifests: (Descriptor & { platform?: { os: string; architecture: string; variant?: string } })[] } }

/** The list named `query` ("list", "localhost/list:latest") or with that digest; undefined when none. */
export function findList(s: StorePaths, query: string): ManifestList | undefined {
  let name: string | undefined;
  try {
    name = tagName(query);
  } catch { /* a digest, perhaps */ }
  const d = readIndex(s).manifests.find((m) => isListType(m.mediaType) && (m.annotations?.[REF_NAME] === name || m.digest === query || m.digest === `sha256:${query}`));
  if (!d) return undefined;
  const index = JSON.parse(readBlob(s, d.digest, "manifest list").toString()) as ManifestList["index"];
  return { name: d.annotations?.[REF_NAME] ?? query, digest: d.digest, index };
}

export function getList(s: StorePaths, query: string): ManifestList {
  const list = findList(s, query);
  if (!list) throw new SkiffError("NOT_FOUND", `${query}: image not known`);
  return list;
}

/** Stores `index` and points the list's name at it; returns its digest. */
export async function saveList(s: StorePaths, name: string, index: ManifestList["index"]): Promise<string> {
  const data = Buffer.from(JSON.stringify(index));
  const desc: Descriptor = { mediaType: MEDIA.ociIndex, digest: sha256Of(data), size: data.length };
  await putBlob(s, desc, data, "manifest list");
  await updateIndex(s, (idx) => {
    if (idx.manifests.some((m) => m.annotations?.[REF_NAME] === name && !isListType(m.mediaType))) {
      throw new SkiffError("ALREADY_EXISTS", `${name}: an image has that name`, { hint: "choose another name for the list" });
    }
    setRef(idx, desc, name);
  });
  return desc.digest;
}

export interface InstanceOverrides { os?: string; arch?: string; variant?: string; annotations?: Record<string, string> }

/** An image as an entry of a list: its manifest, its platform from its config (or the overrides). */
export function instanceOf(image: ImageRecord, size: number, o: InstanceOverrides = {}): ManifestList["index"]["manifests"][number] {
  const os = o.os ?? image.config.os, architecture = o.arch ?? image.config.architecture, variant = o.variant ?? image.config.variant;
  return {
    mediaType: image.manifest.mediaType ?? MEDIA.ociManifest, digest: image.manifestDigest, size,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
    ...(o.annotations && Object.keys(o.annotations).length ? { annotations: o.annotations } : {}),
  };
}

export function emptyList(annotations?: Record<string, string>): ManifestList["index"] {
  return { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [], ...(annotations && Object.keys(annotations).length ? { annotations } : {}) } as ManifestList["index"];
}

/** Adds (or replaces, by digest) an instance. */
export function withInstance(index: ManifestList["index"], entry: ManifestList["index"]["manifests"][number]): ManifestList["index"] {
  return { ...index, manifests: [...index.manifests.filter((m) => m.digest !== entry.digest), entry] };
}

export async function removeList(s: StorePaths, query: string): Promise<string> {
  const list = getList(s, query);
  await updateIndex(s, (idx) => {
    idx.manifests = idx.manifests.filter((m) => !(isListType(m.mediaType) && m.digest === list.digest && m.annotations?.[REF_NAME] === list.name));
  });
  return list.digest;
}
