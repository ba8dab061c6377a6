/**
 * `push` to a registry: every layer and the config, a few at a time, each skipped when the
 * registry has it, mounted when another repository of the registry has it, uploaded otherwise;
 * then the manifest. Pulled (compressed) layers are sent as they are, so their digests stay;
 * layers stored uncompressed (built, committed, imported) are gzip-compressed on the way, and the
 * digest that gave is remembered, so the next push finds them with a HEAD without compressing.
 */
import { emitEvent } from "../events/log.js";
import { SkiffError } from "../errors.js";
import type { Logger } from "../log.js";
import type { Progress } from "../output/progress.js";
import { sha256Of, shortId } from "./digest.js";
import type { ImageRecord } from "./images.js";
import { layerCompression, MEDIA } from "./media.js";
import { createRegistryClient, type Credentials, type RegistryClient } from "./registry/client.js";
import type { PlainHttpMemo } from "./registry/plain-http.js";
import { blobExists, manifestDigestAt, mountBlob, putManifest, uploadBlob } from "./registry/upload.js";
import { knownLocations, readBlobInfo, updateBlobInfo } from "./store/blob-info.js";
import { hasBlob, readBlob, type Descriptor } from "./store/blobs.js";
import { blobPath, type StorePaths } from "./store/layout.js";
import { fileChunks } from "../util/file-chunks.js";
import type { Reference } from "./reference.js";

export type PushFormat = "oci" | "v2s2";

export interface PushOptions {
  store: StorePaths;
  insecure: boolean;
  ca?: string[];
  clientCert?: { cert: string; key: string };
  credentials?: Credentials;
  /** Registries that answered over plain HTTP before (registry/plain-http.ts). */
  plainHttp?: PlainHttpMemo;
  format?: PushFormat;
  compression: "gzip";
  /** Push the manifest by its digest, not a tag (an instance of a list). */
  byDigest?: boolean;
  /** Told the descriptor of the manifest that was pushed. */
  pushed?: (d: Descriptor) => void;
  /** Repositories of the destination registry the image is known by (it was pulled from one). */
  mountFrom?: string[];
  /** Recompress layers that are already compressed. */
  forceCompression: boolean;
  retries: number;
  timeoutSeconds?: number;
  maxParallel?: number;
  progress: Progress;
  /** podman's plain lines ("Writing manifest to image destination"). */
  say(line: string): void;
  log: Logger;
}

const TYPES = {
  oci: { manifest: MEDIA.ociManifest, config: MEDIA.ociConfig, gzip: MEDIA.ociLayerGzip, zstd: MEDIA.ociLayerZstd },
  v2s2: { manifest: MEDIA.dockerManifest, config: MEDIA.dockerConfig, gzip: MEDIA.dockerLayer, zstd: "application/vnd.docker.image.rootfs.diff.tar.zstd" },
} as const;

async function* gzipped(path: string): AsyncGenerator<Uint8Array> {
  // loaded only when a layer must be compressed: a push of what the registry has needs neither
  const { createGzip } = await import("node:zlib");
  const { Readable } = await import("node:stream");
  // level 6: what podman's default gives; the output is the same for the same input every time
  const gz = createGzip({ level: 6 });
  const input = Readable.from(fileChunks(path));
  input.pipe(gz);
  for await (const chunk of gz) yield chunk as Uint8Array;
}

function limited<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  return Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker)).then(() => undefined);
}

/** Pushes one image; returns the manifest digest. */
export async function pushImage(image: ImageRecord, dest: Reference, o: PushOptions): Promise<string> {
  const client = createRegistryClient({ registry: dest.domain, insecure: o.insecure, ca: o.ca, clientCert: o.clientCert, credentials: o.credentials, log: o.log, retries: o.retries, timeoutSeconds: o.timeoutSeconds, plainHttp: o.plainHttp });
  const repo = dest.path;
  const format: PushFormat = o.format ?? (image.manifest.mediaType === MEDIA.dockerManifest ? "v2s2" : "oci");
  const types = TYPES[format];
  const info = readBlobInfo(o.store);
  const diffIds = image.config.rootfs.diff_ids;
  const sent: Descriptor[] = new Array(image.manifest.layers.length);
  const learnt: { diffId?: string; desc: Descriptor }[] = [];

  // a pulled layer whose snapshot was already here (from an import of the same content) was not
  // downloaded: its uncompressed blob (digest = diffID) is what there is to send
  const sourceOf = (layer: Descriptor, i: number): Descriptor => {
    if (hasBlob(o.store, layer.digest) || !hasBlob(o.store, diffIds[i])) return layer;
    return { mediaType: MEDIA.ociLayer, digest: diffIds[i], size: 0 };
  };
  const sendLayer = async (stored: Descriptor, i: number) => {
    const layer = sourceOf(stored, i);
    if (layer !== stored) {
      // the registry (or another repository of it) may have the pulled blob itself: no upload
      const kind = layerCompression(stored.mediaType);
      const desc = { ...stored, mediaType: kind === "zstd" ? types.zstd : types.gzip };
      if ((kind === "gzip" || kind === "zstd") && await existsOrMounted(client, repo, dest.domain, desc, info, o)) {
        sent[i] = desc;
        return;
      }
    }
    if (!hasBlob(o.store, layer.digest)) throw new SkiffError("NOT_FOUND", `layer ${layer.digest} of ${image.names[0] ?? image.id.slice(7, 19)} is not in the store`, { hint: "pull the image again" });
    const kind = layerCompression(layer.mediaType);
    const compressed = kind === "gzip" || kind === "zstd";
    if (compressed && !(o.forceCompression && kind !== o.compression)) {
      const desc = { ...layer, mediaType: kind === "gzip" ? types.gzip : types.zstd };
      sent[i] = desc;
      await sendKnown(client, repo, dest.domain, desc, info, o, "blob");
      return;
    }
    // stored uncompressed: a compressed digest learnt before may already be at the registry
    const known = info.compressed[diffIds[i]]?.gzip;
    if (known) {
      const desc = { ...known, mediaType: types.gzip };
      if (await existsOrMounted(client, repo, dest.domain, desc, info, o)) {
        sent[i] = desc;
        return;
      }
    }
    const label = `Copying blob ${layer.digest}`;
    o.progress.start(layer.digest, label);
    const up = await uploadBlob(client, repo, { chunks: () => gzipped(blobPath(o.store, layer.digest)) }, { onBytes: (n) => o.progress.update(layer.digest, n) });
    o.progress.done(layer.digest, "done");
    sent[i] = { mediaType: types.gzip, digest: up.digest, size: up.size };
    learnt.push({ diffId: diffIds[i], desc: { mediaType: MEDIA.ociLayerGzip, digest: up.digest, size: up.size } });
  };
  o.say("Getting image source signatures");
  const config = { ...image.manifest.config, mediaType: types.config };
  // the stored manifest's own bytes when nothing about it changed: its digest stays
  const manifestOf = (layers: Descriptor[]) => {
    const unchanged = image.manifest.mediaType === types.manifest && image.manifest.config.mediaType === types.config && image.manifest.layers.every((l, i) => l.digest === layers[i].digest && l.mediaType === layers[i].mediaType);
    return unchanged ? readBlob(o.store, image.manifestDigest, "manifest") : Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: types.manifest, config, layers }));
  };
  // as skopeo does: when the registry already has exactly this manifest under the name, it has its blobs too
  const planned = image.manifest.layers.map((l, i) => plannedLayer(l, diffIds[i], info, types, o));
  if (!o.byDigest && planned.every(Boolean)) {
    const data = manifestOf(planned as Descriptor[]);
    if (await manifestDigestAt(client, repo, dest.tag ?? "latest") === sha256Of(data)) {
      for (const d of [...(planned as Descriptor[]), config]) o.progress.note(d.digest, `Copying ${d === config ? "config" : "blob"} ${d.digest}`, "skipped: already exists");
      o.progress.close();
      o.say("Writing manifest to image destination");
      o.say("Storing signatures");
      return sha256Of(data);
    }
  }
  await limited(image.manifest.layers, o.maxParallel ?? 4, sendLayer);
  await sendKnown(client, repo, dest.domain, config, info, o, "config");
  const data = manifestOf(sent);
  o.progress.close();
  o.say("Writing manifest to image destination");
  // an instance of a list goes by its own digest (the registry checks the reference against it)
  const reference = o.byDigest ? sha256Of(data) : (dest.tag ?? dest.digest ?? "latest");
  const digest = await putManifest(client, repo, reference, data, types.manifest);
  o.pushed?.({ mediaType: types.manifest, digest, size: data.length });
  await updateBlobInfo(o.store, (b) => {
    for (const l of learnt) if (l.diffId) b.compressed[l.diffId] = { ...b.compressed[l.diffId], gzip: l.desc };
    for (const d of [...sent, config]) {
      const where = `${dest.domain}/${repo}`;
      b.locations[d.digest] = [...new Set([...(b.locations[d.digest] ?? []), where])].slice(-8);
    }
  });
  o.say("Storing signatures");
  emitEvent(o.store.root, { ID: image.id.slice(7), Name: `${dest.domain}/${dest.path}:${dest.tag ?? "latest"}`, Status: "push", Type: "image", Attributes: null });
  return digest;
}

/** Pushes a list: every instance by digest, then the index under the tag; returns the index's digest. */
export async function pushList(index: { mediaType?: string; manifests: (Descriptor & { platform?: object })[]; annotations?: Record<string, string> }, instances: ImageRecord[], dest: Reference, o: PushOptions): Promise<string> {
  const entries: Descriptor[] = [];
  for (const [i, img] of instances.entries()) {
    let pushed: Descriptor | undefined;
    await pushImage(img, dest, { ...o, byDigest: true, pushed: (d) => (pushed = d) });
    entries.push({ ...index.manifests[i], ...pushed! });
  }
  const v2s2 = o.format === "v2s2";
  const doc = { schemaVersion: 2, mediaType: v2s2 ? MEDIA.dockerList : MEDIA.ociIndex, manifests: entries, ...(index.annotations && !v2s2 ? { annotations: index.annotations } : {}) };
  const client = createRegistryClient({ registry: dest.domain, insecure: o.insecure, ca: o.ca, clientCert: o.clientCert, credentials: o.credentials, log: o.log, retries: o.retries, timeoutSeconds: o.timeoutSeconds, plainHttp: o.plainHttp });
  return putManifest(client, dest.path, dest.tag ?? "latest", Buffer.from(JSON.stringify(doc)), doc.mediaType);
}

/** What a layer will be sent as, when that is known without sending it. */
function plannedLayer(layer: Descriptor, diffId: string, info: ReturnType<typeof readBlobInfo>, types: (typeof TYPES)[PushFormat], o: PushOptions): Descriptor | undefined {
  const kind = layerCompression(layer.mediaType);
  if ((kind === "gzip" || kind === "zstd") && !(o.forceCompression && kind !== o.compression)) return { ...layer, mediaType: kind === "gzip" ? types.gzip : types.zstd };
  const known = info.compressed[diffId]?.gzip;
  return known ? { ...known, mediaType: types.gzip } : undefined;
}

/** A blob whose digest is known: skipped, mounted, or uploaded from the store. */
async function sendKnown(client: RegistryClient, repo: string, registry: string, desc: Descriptor, info: ReturnType<typeof readBlobInfo>, o: PushOptions, what: "blob" | "config"): Promise<void> {
  const label = `Copying ${what} ${desc.digest}`;
  if (await existsOrMounted(client, repo, registry, desc, info, o, label)) return;
  o.progress.start(desc.digest, label, desc.size);
  const path = blobPath(o.store, desc.digest);
  await uploadBlob(client, repo, { chunks: () => fileChunks(path), stored: { size: desc.size, range: (start, end) => fileChunks(path, start, end) } }, { expected: desc.digest, onBytes: (n) => o.progress.update(desc.digest, n) });
  o.progress.done(desc.digest, "done");
}

async function existsOrMounted(client: RegistryClient, repo: string, registry: string, desc: Descriptor, info: ReturnType<typeof readBlobInfo>, o: PushOptions, label = `Copying blob ${desc.digest}`): Promise<boolean> {
  if (await blobExists(client, repo, desc.digest)) {
    o.progress.note(desc.digest, label, "skipped: already exists");
    return true;
  }
  for (const from of [...new Set([...knownLocations(info, desc.digest, registry), ...(o.mountFrom ?? [])])].filter((r) => r !== repo)) {
    if (await mountBlob(client, repo, desc.digest, from)) {
      o.progress.note(desc.digest, label, `skipped: mounted from ${from}`);
      o.log.debug(`blob ${shortId(desc.digest)} mounted from ${from}`);
      return true;
    }
  }
  return false;
}

export function checkCompression(value: string | undefined): "gzip" {
  if (value === undefined || value === "gzip") return "gzip";
  if (value === "zstd" || value === "zstd:chunked") throw new SkiffError("NOT_IMPLEMENTED", `--compression-format ${value}: skiff cannot write zstd yet`, { hint: "use gzip (the default)" });
  throw new SkiffError("INVALID_ARGUMENT", `invalid --compression-format "${value}": expected gzip or zstd`);
}
