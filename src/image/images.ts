/**
 * The images in the store, as podman shows them: ID = config digest, names from index.json,
 * RepoDigests from the digest each name was pulled by. Lookup by name, short name, ID prefix or
 * digest.
 */
import { SkiffError } from "../errors.js";
import { goMap, goNilMap, goNilSlice, withAliases } from "../output/template.js";
import { parseConfig, type ImageConfig, type ImageManifest } from "./manifest.js";
import { chainIds } from "./digest.js";
import { MEDIA } from "./media.js";
import { parseReference, qualify, repositoryOf } from "./reference.js";
import { readBlob } from "./store/blobs.js";
import { PULLED_DIGEST, REF_NAME, readIndex } from "./store/refs.js";
import type { StorePaths } from "./store/layout.js";
import { hasSnapshot, readSnapshotInfo } from "../snapshot/store.js";

export const REPOSITORY = "io.skiff.image.repository";

export const isListType = (mediaType: string | undefined) => mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;

export interface ImageRecord {
  /** Config digest, "sha256:…". */
  id: string;
  manifestDigest: string;
  manifest: ImageManifest;
  config: ImageConfig;
  /** "docker.io/library/alpine:latest", ... */
  names: string[];
  /** "docker.io/library/alpine@sha256:…" */
  digests: string[];
  /** Unpacked size of the layers. */
  size: number;
  chainIds: string[];
}

/** A name in index.json whose manifest or config cannot be read: reported, skipped, removable by name or digest. */
export interface BrokenImage { manifestDigest: string; names: string[]; reason: string }

function readRecord(s: StorePaths, digest: string): Omit<ImageRecord, "names" | "digests"> {
  const manifest = JSON.parse(readBlob(s, digest, "manifest").toString()) as ImageManifest;
  if (!manifest || typeof manifest !== "object" || typeof manifest.config?.digest !== "string" || !Array.isArray(manifest.layers)) {
    throw new SkiffError("INVALID_ARGUMENT", `manifest ${digest} is not an image manifest`);
  }
  const config = parseConfig(readBlob(s, manifest.config.digest, "config"), `config ${manifest.config.digest}`, manifest.layers.length);
  const chain = chainIds(config.rootfs.diff_ids);
  const size = chain.reduce((n, c, i) => n + (hasSnapshot(s, c) ? readSnapshotInfo(s, c).size : manifest.layers[i].size), 0);
  return { id: manifest.config.digest, manifestDigest: digest, manifest, config, size, chainIds: chain };
}

/** Every image, and apart the records that are broken (one bad record never hides the others). */
export function scanImages(s: StorePaths): { images: ImageRecord[]; broken: BrokenImage[] } {
  const byManifest = new Map<string, ImageRecord>();
  const broken = new Map<string, BrokenImage>();
  for (const d of readIndex(s).manifests) {
    if (isListType(d.mediaType)) continue; // a manifest list (manifest create): not an image
    const name = d.annotations?.[REF_NAME];
    const bad = broken.get(d.digest);
    if (bad) { if (name) bad.names.push(name); continue; }
    let rec = byManifest.get(d.digest);
    if (!rec) {
      try {
        rec = { ...readRecord(s, d.digest), names: [], digests: [] };
      } catch (err) {
        broken.set(d.digest, { manifestDigest: d.digest, names: name ? [name] : [], reason: err instanceof SkiffError ? err.message : "not a readable image manifest" });
        continue;
      }
      byManifest.set(d.digest, rec);
    }
    if (name && !rec.names.includes(name)) rec.names.push(name);
    const repo = d.annotations?.[REPOSITORY];
    const pulled = d.annotations?.[PULLED_DIGEST];
    for (const dig of [pulled, d.digest]) {
      if (repo && dig && !rec.digests.includes(`${repo}@${dig}`)) rec.digests.push(`${repo}@${dig}`);
    }
  }
  return { images: [...byManifest.values()], broken: [...broken.values()] };
}

export function listImages(s: StorePaths): ImageRecord[] {
  return scanImages(s).images;
}

/** The image `query` names: a name (short names on each search registry or localhost), an ID prefix, or a digest. */
export function findImage(s: StorePaths, query: string, searchRegistries: string[], images?: ImageRecord[]): ImageRecord | undefined {
  return resolveImage(s, query, searchRegistries, images)?.image;
}

/**
 * Like findImage, also saying which of the image's names the query meant (none for an ID or
 * digest). Commands looking up several names pass one `images` listing for all of them.
 */
export function resolveImage(s: StorePaths, query: string, searchRegistries: string[], images = listImages(s)): { image: ImageRecord; name?: string } | undefined {
  const hex = query.replace(/^sha256:/, "");
  if (/^[a-f0-9]{3,64}$/.test(hex)) {
    const hits = images.filter((i) => i.id.slice(7).startsWith(hex));
    if (hits.length > 1 && hex.length < 64) throw new SkiffError("INVALID_ARGUMENT", `image ID prefix "${query}" is ambiguous`, { hint: "give more characters" });
    if (hits.length === 1) return { image: hits[0] };
  }
  let parsed;
  try {
    parsed = parseReference(query);
  } catch {
    return undefined;
  }
  const wanted = (parsed.domain ? [parsed.domain] : [...searchRegistries, "localhost"]).map((d) => qualify(parsed, d));
  for (const ref of wanted) {
    if (ref.digest) {
      const hit = images.find((i) => i.digests.includes(`${repositoryOf(ref)}@${ref.digest}`));
      if (hit) return { image: hit };
      continue;
    }
    const name = `${repositoryOf(ref)}:${ref.tag}`;
    const hit = images.find((i) => i.names.includes(name));
    if (hit) return { image: hit, name };
  }
  return undefined;
}

/** podman's `image inspect` shape. */
export function inspectImage(img: ImageRecord) {
  const c = img.config;
  return withAliases({
    Id: img.id.slice(7),
    Digest: img.digests[0]?.split("@")[1] ?? img.manifestDigest,
    RepoTags: img.names,
    RepoDigests: img.digests,
    Parent: "",
    Comment: c.history?.[c.history.length - 1]?.comment ?? "",
    Created: c.created ?? "",
    // podman's struct has every field (a template may name one the image lacks); JSON omits empty ones
    Config: withAliases({ ...(c.config ?? {}) }, { User: "", Env: goNilSlice(), Cmd: goNilSlice(), Entrypoint: goNilSlice(), WorkingDir: "", Labels: goNilMap(), ExposedPorts: goNilMap(), Volumes: goNilMap(), StopSignal: "" }),
    Version: "",
    Author: c.author ?? "",
    Architecture: c.architecture,
    Os: c.os,
    ...(c.variant ? { Variant: c.variant } : {}),
    Size: img.size,
    VirtualSize: img.size,
    GraphDriver: { Name: "overlay", Data: {} },
    RootFS: { Type: c.rootfs.type, Layers: c.rootfs.diff_ids },
    Labels: c.config?.Labels ? goMap(c.config.Labels) : goNilMap(),
    Annotations: {},
    ManifestType: img.manifest.mediaType ?? "",
    User: c.config?.User ?? "",
    History: c.history ?? [],
    NamesHistory: img.names,
  }, { ID: img.id.slice(7) });
}
