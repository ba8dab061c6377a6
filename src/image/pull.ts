/**
 * `pull`: resolve a name on its registry (or on each search registry for a short name), choose the
 * platform, verify every manifest, config and blob, and unpack each missing layer once into its
 * snapshot. Blobs download in parallel; layer i is unpacked as soon as it and layer i-1 are ready,
 * and its diffID is hashed while the bytes stream into the snapshot.
 */
import type { PlainHttpMemo } from "./registry/plain-http.js";
import { emitEvent } from "../events/log.js";
import { SkiffError, isSkiffError } from "../errors.js";
import type { Logger } from "../log.js";
import type { Progress } from "../output/progress.js";
import type { Sys } from "../sys/types.js";
import { hasSnapshot } from "../snapshot/store.js";
import { unpackLayer } from "./unpack.js";
import { chainIds, sha256Of, shortId } from "./digest.js";
import { classify, parseConfig, type ImageConfig } from "./manifest.js";
import { formatPlatform, normalizePlatform, selectPlatform, type Platform } from "./platform.js";
import { candidates, formatReference, repositoryOf, type Reference } from "./reference.js";
import { createRegistryClient, type Credentials, type RegistryClient } from "./registry/client.js";
import { ensureLayout, lockPath, type StorePaths } from "./store/layout.js";
import { withLock } from "../util/lock.js";
import { hasBlob, ingestBlob, putBlob, readBlob, type Descriptor } from "./store/blobs.js";
import { updateBlobInfo } from "./store/blob-info.js";
import { PULLED_DIGEST, setRef, updateIndex } from "./store/refs.js";
import { collectGarbage, holdStoreShared } from "./gc.js";
import { REPOSITORY } from "./images.js";


export interface PullOptions {
  store: StorePaths;
  searchRegistries: string[];
  insecureRegistries: string[];
  /** Mirrors tried in order before a registry (pulls only), by registry host. */
  mirrors?: Record<string, string[]>;
  /** CA certificates (PEM) for a registry. */
  caFor?: (registry: string) => string[];
  /** Registries that answered over plain HTTP before (registry/plain-http.ts). */
  plainHttp?: PlainHttpMemo;
  /** A client certificate for a registry. */
  clientCertFor?: (registry: string) => { cert: string; key: string } | undefined;
  platform: Platform;
  /** The user chose the platform: a single-platform image for another one is an error. */
  platformExplicit?: boolean;
  credentials?: Credentials;
  /** Stored credentials for a registry (auth.json), used when `credentials` is not given. */
  credentialsFor?: (registry: string, repo: string) => Credentials | undefined;
  tlsVerify?: boolean;
  maxParallel?: number;
  retries?: number;
  /** registries.timeout, seconds. */
  timeoutSeconds?: number;
  sys: Sys;
  log: Logger;
  progress: Progress;
  rootless: boolean;
}

export interface PulledImage {
  /** The config digest (podman's image ID). */
  id: string;
  manifestDigest: string;
  /** What the name resolved to at the registry (an index digest for multi-arch images). */
  pulledDigest: string;
  reference: Reference;
  config: ImageConfig;
}

/** Runs `fn` over items with at most `limit` at a time; results in order. */
function limited<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R>[] {
  let running = 0;
  const queue: (() => void)[] = [];
  return items.map(async (item, i) => {
    if (running >= limit) await new Promise<void>((r) => queue.push(r));
    running++;
    try {
      return await fn(item, i);
    } finally {
      running--;
      queue.shift()?.();
    }
  });
}

/** The name's registry behind its configured mirrors: each mirror first, then the registry itself. */
async function pullReference(ref: Reference, opts: PullOptions): Promise<PulledImage> {
  const mirrors = opts.mirrors?.[ref.domain] ?? [];
  for (const mirror of mirrors) {
    try {
      return await pullFrom(ref, mirror, opts);
    } catch (err) {
      if (!isSkiffError(err) || (err.code !== "NOT_FOUND" && err.code !== "UNAVAILABLE")) throw err;
      opts.log.debug(`mirror ${mirror} of ${ref.domain}: ${err.message}; trying the next`);
    }
  }
  return pullFrom(ref, ref.domain, opts);
}

async function pullFrom(ref: Reference, registry: string, opts: PullOptions): Promise<PulledImage> {
  const { store, log, progress } = opts;
  const insecure = opts.insecureRegistries.includes(registry) || opts.tlsVerify === false;
  const credentials = registry === ref.domain ? (opts.credentials ?? opts.credentialsFor?.(ref.domain, ref.path)) : opts.credentialsFor?.(registry, ref.path);
  const client: RegistryClient = createRegistryClient({ registry, insecure, ca: opts.caFor?.(registry), clientCert: opts.clientCertFor?.(registry), credentials, log, retries: opts.retries, timeoutSeconds: opts.timeoutSeconds, plainHttp: opts.plainHttp });
  const name = formatReference(ref);

  const top = await client.getManifest(ref.path, ref.digest ?? ref.tag!);
  const pulledDigest = sha256Of(top.data);
  if (ref.digest && pulledDigest !== ref.digest) throw new SkiffError("FAILED_PRECONDITION", `manifest ${name}: content has digest ${pulledDigest}`);
  if (top.digest && top.digest !== pulledDigest) throw new SkiffError("FAILED_PRECONDITION", `manifest ${name}: registry says ${top.digest}, content has ${pulledDigest}`);
  let doc = classify(top.data, top.mediaType, `manifest ${name}`);
  const topDesc: Descriptor = { mediaType: top.mediaType || doc.kind, digest: pulledDigest, size: top.data.length };
  await putBlob(store, topDesc, top.data, "manifest");

  let manifestDesc = topDesc;
  if (doc.kind === "index") {
    const entry = selectPlatform(doc.index.manifests, opts.platform);
    if (!entry) {
      const have = doc.index.manifests.filter((m) => m.platform && m.platform.os !== "unknown").map((m) => formatPlatform(normalizePlatform(m.platform!)));
      throw new SkiffError("NOT_FOUND", `${name} has no image for ${formatPlatform(opts.platform)}`, { hint: `it has ${have.join(", ") || "none"}; choose one with --platform` });
    }
    const child = await client.getManifest(ref.path, entry.digest);
    if (sha256Of(child.data) !== entry.digest || child.data.length !== entry.size) {
      throw new SkiffError("FAILED_PRECONDITION", `manifest ${entry.digest}: content does not match the index`);
    }
    doc = classify(child.data, child.mediaType || entry.mediaType, `manifest ${entry.digest}`);
    if (doc.kind !== "manifest") throw new SkiffError("FAILED_PRECONDITION", `manifest ${entry.digest}: nested indexes are not supported`);
    manifestDesc = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size, platform: entry.platform };
    await putBlob(store, manifestDesc, child.data, "manifest");
  }
  const manifest = doc.manifest;

  if (!hasBlob(store, manifest.config.digest, manifest.config.size)) {
    await ingestBlob(store, manifest.config, client.getBlob(ref.path, manifest.config.digest), "config");
  }
  const config = parseConfig(readBlob(store, manifest.config.digest, "config"), `config ${manifest.config.digest}`, manifest.layers.length);
  // a single-platform image (no index chose for us): its config says what it is for
  const own = { os: config.os, architecture: config.architecture, variant: config.variant };
  if (topDesc === manifestDesc && config.architecture && selectPlatform([{ platform: own }], opts.platform) === undefined) {
    const got = formatPlatform(own);
    if (opts.platformExplicit) throw new SkiffError("NOT_FOUND", `${name} is for ${got}, not ${formatPlatform(opts.platform)}`);
    log.warn(`${name} is for ${got}, not this host's ${formatPlatform(opts.platform)}`);
  }

  const diffIds = config.rootfs.diff_ids;
  const chain = chainIds(diffIds);
  const label = (l: Descriptor) => `Copying blob ${shortId(l.digest)}`;
  const downloaded = new Set<string>();
  const downloads = limited(manifest.layers, opts.maxParallel ?? 3, async (layer, i) => {
    if (hasSnapshot(store, chain[i]) || hasBlob(store, layer.digest, layer.size)) return;
    if (layer.urls?.length) log.debug(`layer ${layer.digest}: ignoring foreign URLs, fetching from the registry`);
    // one download per blob, even across concurrent pulls: the others wait and find it stored
    await withLock(lockPath(store, `blob-${layer.digest.slice(7)}.lock`), { what: `layer ${layer.digest}`, timeoutMs: 3600_000 }, async () => {
      if (hasBlob(store, layer.digest, layer.size)) return;
      progress.start(layer.digest, label(layer), layer.size);
      const t0 = performance.now();
      await ingestBlob(store, layer, client.getBlob(ref.path, layer.digest), "layer", (n) => progress.update(layer.digest, n));
      downloaded.add(layer.digest);
      log.debug(`layer ${shortId(layer.digest)}: downloaded ${layer.size} bytes in ${Math.round(performance.now() - t0)} ms`);
    });
  });
  // a failed download must not go unobserved while an earlier layer is still unpacking
  downloads.forEach((p) => p.catch(() => {}));
  for (const [i, layer] of manifest.layers.entries()) {
    await downloads[i];
    if (hasSnapshot(store, chain[i])) {
      progress.note(layer.digest, label(layer), "skipped: already exists");
      continue;
    }
    const unpacked = await unpackLayer(manifest.layers, diffIds, i, { store, sys: opts.sys, log, rootless: opts.rootless });
    // another pull may have downloaded what this one unpacked, or unpacked what this one downloaded
    if (unpacked && downloaded.has(layer.digest)) progress.done(layer.digest, "done");
    else if (unpacked) progress.note(layer.digest, label(layer), "done");
    // a plain (vfs) store unpacks nothing: a layer downloaded now is done
    else if (downloaded.has(layer.digest)) progress.done(layer.digest, store.plain ? "done" : "skipped: already exists");
    else progress.note(layer.digest, label(layer), "skipped: already exists");
  }

  await updateIndex(store, (index) => {
    const annotations = { [REPOSITORY]: repositoryOf(ref), [PULLED_DIGEST]: pulledDigest };
    setRef(index, { ...manifestDesc, annotations }, ref.tag ? `${repositoryOf(ref)}:${ref.tag}` : undefined);
    // keep the pulled digest current on every descriptor of this manifest
    for (const d of index.manifests) if (d.digest === manifestDesc.digest && d.annotations?.[REPOSITORY] === repositoryOf(ref)) d.annotations[PULLED_DIGEST] = pulledDigest;
  });
  progress.close();
  emitEvent(store.root, { ID: manifest.config.digest.slice(7), Name: name, Status: "pull", Type: "image", Attributes: null });
  // where these blobs are: a push to another repository of this registry mounts them
  await updateBlobInfo(store, (b) => {
    for (const d of [...manifest.layers, manifest.config]) b.locations[d.digest] = [...new Set([...(b.locations[d.digest] ?? []), `${ref.domain}/${ref.path}`])].slice(-8);
  }).catch(() => undefined);
  return { id: manifest.config.digest, manifestDigest: manifestDesc.digest, pulledDigest, reference: ref, config };
}

/** Pulls `input` (as the user typed it), trying each search registry for a short name. */
export async function pull(input: string, opts: PullOptions): Promise<PulledImage> {
  const refs = candidates(input, opts.searchRegistries);
  ensureLayout(opts.store);
  const hold = await holdStoreShared(opts.store);
  let failed = false;
  try {
    return await pullFirst(input, refs, opts);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    hold.release();
    // what the failed pull stored (a manifest, a config) names nothing: gone at once, unless
    // another pull or a collection is running (then the next collection takes it)
    if (failed) await collectGarbage(opts.store, new Set(), { blobsOnly: true, timeoutMs: 0 }).catch(() => undefined);
  }
}

async function pullFirst(input: string, refs: Reference[], opts: PullOptions): Promise<PulledImage> {
  const failures: string[] = [];
  for (const ref of refs) {
    try {
      return await pullReference(ref, opts);
    } catch (err) {
      // a short name moves on to the next registry only when this one does not have the image
      if (refs.length === 1 || !isSkiffError(err) || (err.code !== "NOT_FOUND" && err.code !== "UNAVAILABLE")) throw err;
      failures.push(`${formatReference(ref)}: ${err.message}`);
      opts.log.debug(`pull ${formatReference(ref)}: ${err.message}`);
    }
  }
  throw new SkiffError("NOT_FOUND", `pull ${input}: not found in any search registry`, { hint: failures.join("; ") });
}

