/** Untagging and removing images, as podman's `rmi` and `tag` do. */
import { emitEvent } from "../events/log.js";
import { SkiffError } from "../errors.js";
import { REPOSITORY, resolveImage, scanImages, type BrokenImage } from "./images.js";
import { parseReference, qualify, repositoryOf } from "./reference.js";
import type { StorePaths } from "./store/layout.js";
import { REF_NAME, readIndex, setRef, updateIndex } from "./store/refs.js";

export interface Removal {
  untagged: string[];
  /** The image ID when the image itself went away. */
  deleted?: string;
}

/**
 * Removes the name `query` from its image, or the whole image when `query` is its only name or its
 * ID (an ID of an image with several names only with `force`, as podman). Blobs and snapshots are
 * left for collectGarbage.
 */
export async function removeImage(s: StorePaths, query: string, searchRegistries: string[], force: boolean): Promise<Removal> {
  const hit = resolveImage(s, query, searchRegistries);
  if (!hit) {
    const broken = findBroken(s, query, searchRegistries);
    if (!broken) throw new SkiffError("NOT_FOUND", `${query}: image not known`, { exitCode: 1 });
    await updateIndex(s, (index) => {
      index.manifests = index.manifests.filter((d) => d.digest !== broken.manifestDigest);
    });
    return { untagged: broken.names, deleted: broken.manifestDigest };
  }
  const { image, name } = hit;
  // by one of several names, it is only untagged, with -f too (as podman: -f matters for IDs)
  if (name && image.names.length > 1) {
    await updateIndex(s, (index) => {
      const keep = index.manifests.filter((d) => !(d.digest === image.manifestDigest && d.annotations?.[REF_NAME] === name));
      index.manifests = keep;
    });
    emitEvent(s.root, { ID: image.id.slice(7), Name: name, Status: "untag", Type: "image", Attributes: null });
    return { untagged: [name] };
  }
  if (!name && image.names.length > 1 && !force) {
    throw new SkiffError("FAILED_PRECONDITION", `unable to delete image "${image.id.slice(7)}" by ID with more than one tag ([${image.names.join(" ")}]): please force removal`);
  }
  await updateIndex(s, (index) => {
    index.manifests = index.manifests.filter((d) => d.digest !== image.manifestDigest);
  });
  for (const n of image.names) emitEvent(s.root, { ID: image.id.slice(7), Name: n, Status: "untag", Type: "image", Attributes: null });
  emitEvent(s.root, { ID: image.id.slice(7), Name: image.names[0] ?? image.id.slice(7), Status: "remove", Type: "image", Attributes: null });
  return { untagged: image.names, deleted: image.id };
}

/** A broken record named by `query`: one of its names (short names qualified as usual) or its manifest digest. */
function findBroken(s: StorePaths, query: string, searchRegistries: string[]): BrokenImage | undefined {
  const { broken } = scanImages(s);
  const hex = query.replace(/^sha256:/, "");
  const byDigest = /^[a-f0-9]{3,64}$/.test(hex) ? broken.filter((b) => b.manifestDigest.slice(7).startsWith(hex)) : [];
  if (byDigest.length === 1) return byDigest[0];
  let names: string[] = [];
  try {
    const ref = parseReference(query);
    names = (ref.domain ? [ref.domain] : [...searchRegistries, "localhost"]).map((d) => qualify(ref, d)).map((r) => `${repositoryOf(r)}:${r.tag}`);
  } catch { /* not a name */ }
  return broken.find((b) => b.names.some((n) => names.includes(n)));
}

/**
 * podman's untag: removes `names` (all of them when none are given) from the image `query`; the
 * image stays, nameless when it had no other name.
 */
export async function untagImage(s: StorePaths, query: string, names: string[], searchRegistries: string[]): Promise<string[]> {
  const hit = resolveImage(s, query, searchRegistries);
  if (!hit) throw new SkiffError("NOT_FOUND", `${query}: image not known`);
  const doomed = names.length ? names.map((n) => {
    const want = tagName(n);
    if (!hit.image.names.includes(want)) throw new SkiffError("NOT_FOUND", `${n}: tag not known`);
    return want;
  }) : [...hit.image.names];
  await updateIndex(s, (index) => {
    const desc = index.manifests.find((d) => d.digest === hit.image.manifestDigest)!;
    index.manifests = index.manifests.filter((d) => !(d.digest === hit.image.manifestDigest && doomed.includes(d.annotations?.[REF_NAME] ?? "")));
    const { annotations: _a, ...plain } = desc;
    setRef(index, plain, undefined); // kept, without a name, when that was the last one
  });
  for (const n of doomed) emitEvent(s.root, { ID: hit.image.id.slice(7), Name: n, Status: "untag", Type: "image", Attributes: null });
  return doomed;
}

/** A name given to `tag`: short names go to localhost, as podman does; no digests. */
export function tagName(input: string): string {
  const ref = parseReference(input);
  if (ref.digest) throw new SkiffError("INVALID_ARGUMENT", `tag ${input}: a tag cannot contain a digest`);
  const q = qualify(ref, ref.domain ?? "localhost");
  return `${repositoryOf(q)}:${q.tag}`;
}

export async function tagImage(s: StorePaths, query: string, names: string[], searchRegistries: string[]): Promise<void> {
  const hit = resolveImage(s, query, searchRegistries);
  if (!hit) throw new SkiffError("NOT_FOUND", `${query}: image not known`);
  const full = names.map(tagName);
  const desc = readIndex(s).manifests.find((d) => d.digest === hit.image.manifestDigest)!;
  await updateIndex(s, (index) => {
    for (const n of full) {
      setRef(index, { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, platform: desc.platform, annotations: { [REPOSITORY]: n.slice(0, n.lastIndexOf(":")) } }, n);
    }
  });
  for (const n of full) emitEvent(s.root, { ID: hit.image.id.slice(7), Name: n, Status: "tag", Type: "image", Attributes: null });
}
