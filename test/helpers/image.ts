/**
 * Test images built from the host's busybox-static: an OCI image (layers, config, manifest) held
 * in memory, ready to push to the test registry or write as an archive.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { makeTar, type TarEntry } from "./tar.js";

export const BUSYBOX = "/bin/busybox";

export interface Blob { digest: string; size: number; mediaType: string; data: Buffer }
export interface TestImage { manifest: Blob; config: Blob; layers: Blob[]; diffIds: string[] }

export const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** Chain IDs as the image spec defines them, computed here independently of src/. */
export function chainOf(diffIds: string[]): string[] {
  return diffIds.reduce<string[]>((out, d) => [...out, out.length ? sha256(`${out[out.length - 1]} ${d}`) : d], []);
}

export function blob(data: Buffer, mediaType: string): Blob {
  return { digest: sha256(data), size: data.length, mediaType, data };
}

const APPLETS = ["sh", "echo", "cat", "ls", "true", "false", "sleep", "id", "env", "pwd", "printf", "test", "wc", "head", "tail", "mkdir", "rm", "touch", "stat", "uname", "hostname", "seq", "grep", "ps", "kill", "dd", "tr", "nc", "httpd", "wget", "ip", "mount", "unshare"];

/** Entries of a minimal root filesystem around busybox-static. */
export function busyboxEntries(): TarEntry[] {
  return [
    { name: "bin/", type: "dir" },
    { name: "bin/busybox", content: readFileSync(BUSYBOX), mode: 0o755 },
    ...APPLETS.map((a): TarEntry => ({ name: `bin/${a}`, type: "symlink", linkname: "busybox" })),
    { name: "etc/", type: "dir" },
    { name: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n" },
    { name: "etc/group", content: "root:x:0:\nnogroup:x:65534:\n" },
    { name: "root/", type: "dir", mode: 0o700 },
    { name: "tmp/", type: "dir", mode: 0o1777 },
  ];
}

export type LayerCompression = "gzip" | "zstd" | "none";

export interface ImageOptions {
  /** Layers as tar entry lists, base first; defaults to one busybox layer. */
  layers?: TarEntry[][];
  /** One for all layers, or one per layer. */
  compression?: LayerCompression | LayerCompression[];
  /** Docker schema 2 media types instead of OCI. */
  docker?: boolean;
  architecture?: string;
  variant?: string;
  cmd?: string[];
  env?: string[];
  /** Overrides the config's diff_ids (to make a lying image). */
  diffIds?: string[];
}

function compress(tar: Buffer, kind: LayerCompression): Buffer {
  if (kind === "gzip") return gzipSync(tar);
  if (kind === "zstd") return execFileSync("zstd", ["-q", "-c", "-3"], { input: tar, maxBuffer: 1 << 28 });
  return tar;
}

function layerMediaType(kind: LayerCompression, docker: boolean): string {
  if (docker) return kind === "gzip" ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : kind === "zstd" ? "application/vnd.docker.image.rootfs.diff.tar.zstd" : "application/vnd.docker.image.rootfs.diff.tar";
  return `application/vnd.oci.image.layer.v1.tar${kind === "none" ? "" : `+${kind}`}`;
}

/** An image with the chosen layers, compression and media types. */
export function buildImage(opts: ImageOptions = {}): TestImage {
  const tars = (opts.layers ?? [busyboxEntries()]).map((entries) => makeTar(entries));
  const kinds = tars.map((_t, i) => (Array.isArray(opts.compression) ? opts.compression[i] : opts.compression) ?? "gzip");
  const layers = tars.map((t, i) => blob(compress(t, kinds[i]), layerMediaType(kinds[i], Boolean(opts.docker))));
  const diffIds = opts.diffIds ?? tars.map((t) => sha256(t));
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: opts.architecture ?? (process.arch === "x64" ? "amd64" : process.arch),
        ...(opts.variant ? { variant: opts.variant } : {}),
        os: "linux",
        created: "2026-01-01T00:00:00Z",
        config: { Cmd: opts.cmd ?? ["sh"], Env: opts.env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
        rootfs: { type: "layers", diff_ids: diffIds },
        history: tars.map(() => ({ created: "2026-01-01T00:00:00Z", created_by: "skiff tests" })),
      }),
    ),
    opts.docker ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json",
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: opts.docker ? "application/vnd.docker.distribution.manifest.v2+json" : "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      }),
    ),
    opts.docker ? "application/vnd.docker.distribution.manifest.v2+json" : "application/vnd.oci.image.manifest.v1+json",
  );
  return { manifest, config, layers, diffIds };
}

export interface IndexEntry { image: TestImage; platform: { os: string; architecture: string; variant?: string } }

/** A multi-platform index (OCI, or a Docker manifest list) over images. */
export function buildIndex(entries: IndexEntry[], docker = false): Blob {
  const mediaType = docker ? "application/vnd.docker.distribution.manifest.list.v2+json" : "application/vnd.oci.image.index.v1+json";
  return blob(
    Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: entries.map((e) => ({ mediaType: e.image.manifest.mediaType, digest: e.image.manifest.digest, size: e.image.manifest.size, platform: e.platform })),
    })),
    mediaType,
  );
}
