/**
 * Test images built from the host's busybox-static: an OCI image (layers, config, manifest) held
 * in memory, ready to push to the test registry or write as an archive.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { makeTar, type TarEntry } from "./tar.js";

export const BUSYBOX = "/bin/busybox";

export interface Blob { digest: string; size: number; mediaType: string; data: Buffer }
export interface TestImage { manifest: Blob; config: Blob; layers: Blob[]; diffIds: string[] }

export const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

export function blob(data: Buffer, mediaType: string): Blob {
  return { digest: sha256(data), size: data.length, mediaType, data };
}

const APPLETS = ["sh", "echo", "cat", "ls", "true", "false", "sleep", "id", "env", "pwd", "printf", "test", "wc", "head", "mkdir", "rm", "touch", "stat", "uname", "hostname"];

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

export interface ImageOptions {
  /** Layers as tar entry lists, base first; defaults to one busybox layer. */
  layers?: TarEntry[][];
  architecture?: string;
  cmd?: string[];
  env?: string[];
}

/** An OCI image with gzip layers. */
export function buildImage(opts: ImageOptions = {}): TestImage {
  const tars = (opts.layers ?? [busyboxEntries()]).map((entries) => makeTar(entries));
  const layers = tars.map((t) => blob(gzipSync(t), "application/vnd.oci.image.layer.v1.tar+gzip"));
  const diffIds = tars.map((t) => sha256(t));
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: opts.architecture ?? (process.arch === "x64" ? "amd64" : process.arch),
        os: "linux",
        created: "2026-01-01T00:00:00Z",
        config: { Cmd: opts.cmd ?? ["sh"], Env: opts.env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
        rootfs: { type: "layers", diff_ids: diffIds },
        history: tars.map(() => ({ created: "2026-01-01T00:00:00Z", created_by: "skiff tests" })),
      }),
    ),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      }),
    ),
    "application/vnd.oci.image.manifest.v1+json",
  );
  return { manifest, config, layers, diffIds };
}
