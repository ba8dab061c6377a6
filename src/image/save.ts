/**
 * `save`: images to a docker-archive (manifest.json, <config>.json, uncompressed <diffID>.tar per
 * layer — what docker load and podman load read everywhere) or an oci-archive (an OCI layout with
 * the stored blobs as they are). Several images fit in one archive.
 */
import { statSync } from "node:fs";
import { SkiffError } from "../errors.js";
import { entryHeader, entryPadding, END_OF_ARCHIVE } from "../snapshot/tar/writer.js";
import { decompress } from "./decompress.js";
import { parseDigest } from "./digest.js";
import type { ImageRecord } from "./images.js";
import { MEDIA } from "./media.js";
import { blobPath, type StorePaths } from "./store/layout.js";
import { hasBlob } from "./store/blobs.js";
import { REF_NAME } from "./store/refs.js";
import { compressionOf, fileChunks } from "./unpack.js";

export type ArchiveFormat = "docker-archive" | "oci-archive";
type Sink = (bytes: Uint8Array) => void;

async function writeEntry(sink: Sink, name: string, size: number, data: AsyncIterable<Uint8Array>) {
  sink(entryHeader({ name, size }));
  let written = 0;
  for await (const chunk of data) {
    written += chunk.length;
    if (written > size) break;
    sink(chunk);
  }
  if (written !== size) throw new SkiffError("INTERNAL", `save ${name}: ${written} bytes instead of ${size}`);
  sink(entryPadding(size));
}

async function* once(data: Uint8Array) { yield data; }

function blobOf(s: StorePaths, digest: string, what: string): string {
  if (!hasBlob(s, digest)) throw new SkiffError("NOT_FOUND", `save: ${what} ${digest} is not in the store`, { hint: "pull the image again" });
  return blobPath(s, digest);
}

/** The uncompressed layer as a stream, and its size (one extra decompression pass to learn it). */
async function uncompressedLayer(s: StorePaths, digest: string, mediaType: string) {
  const path = blobOf(s, digest, "layer");
  const kind = await compressionOf({ mediaType, digest, size: 0 }, path);
  if (kind === "none") return { size: statSync(path).size, data: () => fileChunks(path) };
  let size = 0;
  for await (const c of decompress(fileChunks(path), kind)) size += c.length;
  return { size, data: () => decompress(fileChunks(path), kind) };
}

export async function saveImages(s: StorePaths, images: ImageRecord[], format: ArchiveFormat, sink: Sink): Promise<void> {
  const enc = new TextEncoder();
  if (format === "docker-archive") {
    const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
    const written = new Set<string>();
    for (const img of images) {
      const configName = `${parseDigest(img.id).hex}.json`;
      if (!written.has(configName)) {
        written.add(configName);
        const path = blobOf(s, img.id, "config");
        await writeEntry(sink, configName, statSync(path).size, fileChunks(path));
      }
      const layers: string[] = [];
      for (const [i, layer] of img.manifest.layers.entries()) {
        const name = `${parseDigest(img.config.rootfs.diff_ids[i]).hex}.tar`;
        layers.push(name);
        if (written.has(name)) continue;
        written.add(name);
        const { size, data } = await uncompressedLayer(s, layer.digest, layer.mediaType);
        await writeEntry(sink, name, size, data());
      }
      manifest.push({ Config: configName, RepoTags: img.names, Layers: layers });
    }
    const data = enc.encode(JSON.stringify(manifest));
    await writeEntry(sink, "manifest.json", data.length, once(data));
  } else {
    const layout = enc.encode(JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    await writeEntry(sink, "oci-layout", layout.length, once(layout));
    sink(entryHeader({ name: "blobs/", type: "dir" }));
    sink(entryHeader({ name: "blobs/sha256/", type: "dir" }));
    const written = new Set<string>();
    const descriptors: object[] = [];
    for (const img of images) {
      for (const digest of [img.manifestDigest, img.id, ...img.manifest.layers.map((l) => l.digest)]) {
        if (written.has(digest)) continue;
        written.add(digest);
        const path = blobOf(s, digest, "blob");
        await writeEntry(sink, `blobs/sha256/${parseDigest(digest).hex}`, statSync(path).size, fileChunks(path));
      }
      const desc = { mediaType: img.manifest.mediaType ?? MEDIA.ociManifest, digest: img.manifestDigest, size: statSync(blobPath(s, img.manifestDigest)).size };
      if (img.names.length === 0) descriptors.push(desc);
      for (const n of img.names) descriptors.push({ ...desc, annotations: { [REF_NAME]: n, "io.containerd.image.name": n } });
    }
    const index = enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: descriptors }));
    await writeEntry(sink, "index.json", index.length, once(index));
  }
  sink(END_OF_ARCHIVE);
}
