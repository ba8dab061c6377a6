/**
 * `load`: images from a docker-archive (docker save, podman save) or an OCI archive (podman save
 * --format oci-archive, skopeo), plain or compressed, from a file or stdin. The archive is unpacked
 * into a private directory under ingest/, every blob is checked by digest and moved into the store,
 * the layers are unpacked, and the images keep their registry names.
 */
import { linkSync, lstatSync, mkdirSync, openSync, closeSync, existsSync, readFileSync, rmSync, constants } from "node:fs";
import { dirname, join } from "node:path";
import { SkiffError, errnoCode } from "../errors.js";
import type { Logger } from "../log.js";
import type { Sys } from "../sys/types.js";
import { cleanComponents } from "../snapshot/resolve.js";
import { readTar } from "../snapshot/tar/reader.js";
import { autoDecompress } from "./decompress.js";
import { holdStoreShared } from "./gc.js";
import { REPOSITORY } from "./images.js";
import { classify, parseConfig, type ImageManifest } from "./manifest.js";
import { MEDIA, sniffCompression } from "./media.js";
import { selectPlatform, type Platform } from "./platform.js";
import { parseReference, qualify, repositoryOf } from "./reference.js";
import { isDigest, parseDigest, sha256Of } from "./digest.js";
import { adoptFile, putBlob, readBlob, type Descriptor } from "./store/blobs.js";
import { ensureLayout, ingestDir, type StorePaths } from "./store/layout.js";
import { REF_NAME, setRef, updateIndex } from "./store/refs.js";
import { unpackLayer } from "./unpack.js";
import { readUpToSync, writeAllSync } from "../util/write.js";

export interface LoadOptions {
  store: StorePaths;
  source: AsyncIterable<Uint8Array>;
  platform: Platform;
  sys: Sys;
  log: Logger;
  rootless: boolean;
}

/** Writes the archive's files under `dir`; symlinks (old docker save) become hard links inside it. */
async function extract(source: AsyncIterable<Uint8Array>, dir: string): Promise<void> {
  const links: [string, string][] = [];
  for await (const e of readTar(await autoDecompress(source, "load"))) {
    const comps = cleanComponents(e.header.name);
    if (comps.length === 0) continue;
    const path = join(dir, ...comps);
    if (e.header.type === "dir") { mkdirSync(path, { recursive: true }); continue; }
    mkdirSync(dirname(path), { recursive: true });
    if (e.header.type === "symlink") { links.push([path, join(dirname(comps.join("/")), e.header.linkname)]); continue; }
    if (e.header.type !== "file") continue;
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      for await (const c of e.body()) writeAllSync(fd, c);
    } finally {
      closeSync(fd);
    }
  }
  for (const [path, target] of links) linkSync(join(dir, ...cleanComponents(target)), path);
}

/** JSON documents of an archive (index.json, manifest.json, configs) are small: anything larger is refused. */
const MAX_DOCUMENT = 8 << 20;

function readJson<T>(path: string, what: string): T {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st?.isFile()) throw new SkiffError("INVALID_ARGUMENT", `load: ${what} is missing from the archive`);
  if (st.size > MAX_DOCUMENT) throw new SkiffError("INVALID_ARGUMENT", `load: ${what} is larger than ${MAX_DOCUMENT} bytes`);
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    throw new SkiffError("INVALID_ARGUMENT", `load: ${what} is not valid JSON`);
  }
}

/** The first bytes of a file, for sniffing its compression (a layer may be gigabytes). */
function headOf(path: string, n: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return readUpToSync(fd, n);
  } finally {
    closeSync(fd);
  }
}

type DockerEntry = { Config: string; RepoTags?: string[] | null; Layers: string[] };

/** manifest.json's shape, checked before any of it is used. */
function dockerEntries(value: unknown): DockerEntry[] {
  const ok = Array.isArray(value) && value.every((e) => e && typeof e === "object" && typeof e.Config === "string" && Array.isArray(e.Layers) && e.Layers.every((l: unknown) => typeof l === "string")
    && (e.RepoTags == null || (Array.isArray(e.RepoTags) && e.RepoTags.every((t: unknown) => typeof t === "string"))));
  if (!ok) throw new SkiffError("INVALID_ARGUMENT", "load: manifest.json is not a list of {Config, RepoTags, Layers}");
  return value as DockerEntry[];
}

/** A name from an archive: full names kept, short ones put on docker.io as docker would. */
function nameOf(raw: string | undefined): string | undefined {
  if (!raw || (!raw.includes("/") && !raw.includes(":"))) return undefined;
  const ref = parseReference(raw);
  const q = qualify(ref, ref.domain ?? "docker.io");
  return q.tag ? `${repositoryOf(q)}:${q.tag}` : undefined;
}

interface Loaded { manifest: Descriptor; names: string[]; id: string }

async function finish(opts: LoadOptions, loaded: Loaded[]): Promise<string[]> {
  const out: string[] = [];
  for (const l of loaded) {
    const m = JSON.parse(readBlob(opts.store, l.manifest.digest, "manifest").toString()) as ImageManifest;
    const config = parseConfig(readBlob(opts.store, m.config.digest, "config"), `config ${m.config.digest}`, m.layers.length);
    for (let i = 0; i < m.layers.length; i++) await unpackLayer(m.layers, config.rootfs.diff_ids, i, opts);
    await updateIndex(opts.store, (index) => {
      if (l.names.length === 0) setRef(index, l.manifest, undefined);
      for (const n of l.names) setRef(index, { ...l.manifest, annotations: { [REPOSITORY]: n.slice(0, n.lastIndexOf(":")) } }, n);
    });
    out.push(...(l.names.length ? l.names.map((n) => `Loaded image: ${n}`) : [`Loaded image: ${l.id}`]));
  }
  return out;
}

async function loadDocker(dir: string, opts: LoadOptions): Promise<Loaded[]> {
  const entries = dockerEntries(readJson<unknown>(join(dir, "manifest.json"), "manifest.json"));
  const loaded: Loaded[] = [];
  for (const e of entries) {
    const configPath = join(dir, ...cleanComponents(e.Config));
    readJson<unknown>(configPath, `config ${e.Config}`);
    const config = parseConfig(readFileSync(configPath), `config ${e.Config}`, e.Layers.length);
    const configDesc = { mediaType: MEDIA.ociConfig, ...(await adoptCopy(opts.store, configPath)) };
    const layers: Descriptor[] = [];
    for (const [i, file] of e.Layers.entries()) {
      const path = join(dir, ...cleanComponents(file));
      if (!lstatSync(path, { throwIfNoEntry: false })?.isFile()) throw new SkiffError("NOT_FOUND", `load: layer ${file} is missing from the archive`);
      const head = headOf(path, 4);
      const kind = sniffCompression(head);
      const { digest, size } = await adoptCopy(opts.store, path);
      if (kind === "none" && digest !== config.rootfs.diff_ids[i]) throw new SkiffError("FAILED_PRECONDITION", `load: layer ${file} has digest ${digest}, the config says ${config.rootfs.diff_ids[i]}`);
      layers.push({ mediaType: kind === "none" ? MEDIA.ociLayer : kind === "gzip" ? MEDIA.ociLayerGzip : MEDIA.ociLayerZstd, digest, size });
    }
    const data = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: configDesc, layers }));
    const manifest = { mediaType: MEDIA.ociManifest, digest: sha256Of(data), size: data.length };
    await putBlob(opts.store, manifest, data, "manifest");
    const names = (e.RepoTags ?? []).map(nameOf).filter((n): n is string => n !== undefined);
    loaded.push({ manifest, names, id: configDesc.digest });
  }
  return loaded;
}

/** A file may be shared by several entries (hard links): copy-free when it is the last user. */
async function adoptCopy(s: StorePaths, path: string) {
  const tmp = `${path}.${Math.random().toString(36).slice(2)}`;
  linkSync(path, tmp);
  return adoptFile(s, tmp);
}

async function loadOci(dir: string, opts: LoadOptions): Promise<Loaded[]> {
  const index = readJson<{ manifests: Descriptor[] }>(join(dir, "index.json"), "index.json");
  if (!index || typeof index !== "object" || !Array.isArray(index.manifests)) throw new SkiffError("INVALID_ARGUMENT", "load: index.json has no list of manifests");
  const blob = async (d: Descriptor) => {
    // validated before it becomes a path: "sha256:../../etc/shadow" must not name a host file
    if (typeof d?.digest !== "string" || !isDigest(d.digest)) throw new SkiffError("INVALID_ARGUMENT", `load: invalid digest ${JSON.stringify(String(d?.digest)).slice(0, 80)} in the archive`);
    const { algorithm, hex } = parseDigest(d.digest);
    const path = join(dir, "blobs", algorithm, hex);
    if (!lstatSync(path, { throwIfNoEntry: false })?.isFile()) throw new SkiffError("NOT_FOUND", `load: blob ${d.digest} is missing from the archive`);
    await adoptCopy(opts.store, path).then((r) => {
      if (r.digest !== d.digest || r.size !== d.size) throw new SkiffError("FAILED_PRECONDITION", `load: blob ${d.digest} does not match its descriptor`);
    });
  };
  const byManifest = new Map<string, Loaded>();
  for (const top of index.manifests) {
    await blob(top);
    let desc = top;
    let doc = classify(readBlob(opts.store, top.digest, "manifest"), top.mediaType, `manifest ${top.digest}`);
    if (doc.kind === "index") {
      const entry = selectPlatform(doc.index.manifests, opts.platform);
      if (!entry) throw new SkiffError("NOT_FOUND", `load: no image for this platform in index ${top.digest}`);
      await blob(entry);
      desc = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size, platform: entry.platform };
      doc = classify(readBlob(opts.store, entry.digest, "manifest"), entry.mediaType, `manifest ${entry.digest}`);
    }
    if (doc.kind !== "manifest") throw new SkiffError("FAILED_PRECONDITION", `load: nested index in ${top.digest}`);
    for (const d of [doc.manifest.config, ...doc.manifest.layers]) await blob(d);
    const rec = byManifest.get(desc.digest) ?? { manifest: { mediaType: desc.mediaType, digest: desc.digest, size: desc.size }, names: [], id: doc.manifest.config.digest };
    const name = nameOf(top.annotations?.["io.containerd.image.name"] ?? top.annotations?.[REF_NAME]);
    if (name && !rec.names.includes(name)) rec.names.push(name);
    byManifest.set(desc.digest, rec);
  }
  return [...byManifest.values()];
}

/** Loads every image of the archive; returns podman's "Loaded image: …" lines. */
export async function loadImages(opts: LoadOptions): Promise<string[]> {
  ensureLayout(opts.store);
  const hold = await holdStoreShared(opts.store);
  const dir = join(ingestDir(opts.store), `load-${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { mode: 0o700 });
  try {
    await extract(opts.source, dir).catch((err: unknown) => {
      // a hostile or broken archive (duplicate entries, a link to a directory, a file where a
      // directory must be): one line, nothing stored
      if (err instanceof SkiffError) throw err;
      const code = errnoCode(err);
      if (code === "ENOSPC" || code === "EDQUOT") throw new SkiffError("UNAVAILABLE", "load: no space left on the device of the store", { hint: "free some space; nothing was stored" });
      if (code) throw new SkiffError("INVALID_ARGUMENT", `load: invalid archive (${code} at an entry)`);
      throw err;
    });
    const loaded = existsSync(join(dir, "manifest.json")) ? await loadDocker(dir, opts)
      : existsSync(join(dir, "index.json")) ? await loadOci(dir, opts)
      : (() => { throw new SkiffError("INVALID_ARGUMENT", "payload does not match any of the supported image formats (oci-archive, docker-archive): no index.json or manifest.json in the archive"); })();
    return await finish(opts, loaded);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    hold.release();
  }
}
