/** Media types of manifests and layers, and layer compression by type or by magic bytes. Pure. */

export const MEDIA = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerLayerTar: "application/vnd.docker.image.rootfs.diff.tar",
} as const;

/** What we ask a registry for, in order; never `*\/*` (that invites schema 1). */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(", ");

export type ManifestKind = "index" | "manifest" | "schema1" | "unknown";

export function manifestKind(mediaType: string): ManifestKind {
  switch (mediaType.split(";")[0].trim()) {
    case MEDIA.ociIndex:
    case MEDIA.dockerList:
      return "index";
    case MEDIA.ociManifest:
    case MEDIA.dockerManifest:
      return "manifest";
    case MEDIA.dockerSchema1:
    case MEDIA.dockerSchema1Signed:
      return "schema1";
    default:
      return "unknown";
  }
}

export type Compression = "gzip" | "zstd" | "none";

/** Compression named by a layer media type; "sniff" where the type does not say (or may lie). */
export function layerCompression(mediaType: string): Compression | "sniff" | "unsupported" {
  const t = mediaType.toLowerCase();
  if (/^application\/vnd\.oci\.image\.layer\.(nondistributable\.)?v1\.tar(\+(gzip|zstd))?$/.test(t)) {
    return t.endsWith("+gzip") ? "gzip" : t.endsWith("+zstd") ? "zstd" : "none";
  }
  if (t === "application/vnd.docker.image.rootfs.diff.tar.gzip" || t === "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip") return "gzip";
  if (t === "application/vnd.docker.image.rootfs.diff.tar.zstd") return "zstd";
  if (t === "application/vnd.docker.image.rootfs.diff.tar") return "sniff";
  return "unsupported";
}

/** gzip 1f 8b 08; zstd 28 b5 2f fd or a skippable frame 5? 2a 4d 18; otherwise plain tar. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  if (head.length >= 4 && (head[0] & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18) return "zstd";
  return "none";
}
