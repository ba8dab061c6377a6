/**
 * The push side of the distribution protocol: HEAD a blob, mount it from another repository of
 * the same registry, upload it (POST for a session, one streamed PATCH, PUT with the digest, each
 * to the latest Location, which is opaque), PUT a manifest. The blob's digest may be learnt only
 * while it streams (compressed on the way): it goes on the final PUT.
 */
import { SkiffError } from "../../errors.js";
import { createHash } from "../../util/crypto.js";
import type { RegistryClient } from "./client.js";
import { MANIFEST_ACCEPT } from "../media.js";

export const pushScope = (repo: string) => `repository:${repo}:pull,push`;

/** HEAD /v2/REPO/blobs/DIGEST: whether the registry has it. */
export async function blobExists(client: RegistryClient, repo: string, digest: string): Promise<boolean> {
  const res = await client.send(`check blob ${digest}`, `/v2/${repo}/blobs/${digest}`, { method: "HEAD", scope: pushScope(repo), accept: [404] });
  await res.body?.cancel();
  return res.status >= 200 && res.status < 300;
}

function nextLocation(res: Response, base: string, what: string): string {
  const loc = res.headers.get("location");
  if (!loc) throw new SkiffError("UNAVAILABLE", `${what}: the registry sent no upload Location`);
  return new URL(loc, base).toString();
}

/**
 * Asks the registry to mount DIGEST from repository `from` (no bytes sent). True when mounted; a
 * registry that opened an upload session instead gets it cancelled (failures there are ignored).
 */
export async function mountBlob(client: RegistryClient, repo: string, digest: string, from: string): Promise<boolean> {
  const what = `mount blob ${digest} from ${from}`;
  let res: Response;
  try {
    res = await client.send(what, `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, {
      method: "POST", scope: `${pushScope(repo)} repository:${from}:pull`, headers: { "content-length": "0" }, accept: [202],
    });
  } catch {
    return false; // not reusable: uploaded instead
  }
  await res.body?.cancel();
  if (res.status === 201) return true;
  const loc = res.headers.get("location");
  if (loc) await client.send(`cancel upload`, new URL(loc, client.endpoint).toString(), { method: "DELETE", scope: pushScope(repo), accept: [400, 401, 403, 404, 405] }).then((r) => r.body?.cancel(), () => undefined);
  return false;
}

/** Blobs are sent in chunks of this size (PATCH with Content-Range): a failed chunk is sent again, not the blob. */
export const CHUNK_BYTES = 8 << 20;
/** Blobs up to this size whose digest is known go in one PUT (a monolithic upload). */
export const MONOLITHIC_BYTES = 1 << 20;

/** `source` in pieces of exactly `size` bytes (the last one shorter). */
async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let have = 0;
  for await (let c of source) {
    while (have + c.length >= size) {
      const take = size - have;
      parts.push(c.subarray(0, take));
      yield Buffer.concat(parts);
      parts = [];
      have = 0;
      c = c.subarray(take);
    }
    if (c.length) { parts.push(Buffer.from(c)); have += c.length; }
  }
  if (have) yield Buffer.concat(parts);
}

/**
 * Uploads a blob: POST opens the session; a small blob of known digest goes in one PUT, anything
 * else in PATCHes of CHUNK_BYTES with Content-Range, each to the latest Location, and a PUT with
 * the digest closes it. `expected` (when the digest is known beforehand) must match what was sent.
 */
export async function uploadBlob(client: RegistryClient, repo: string, chunks: () => AsyncIterable<Uint8Array>, o: { expected?: string; size?: number; onBytes?: (n: number) => void } = {}): Promise<{ digest: string; size: number }> {
  const what = `upload blob${o.expected ? ` ${o.expected}` : ""} to ${repo}`;
  const scope = pushScope(repo);
  const start = await client.send(what, `/v2/${repo}/blobs/uploads/`, { method: "POST", scope, headers: { "content-length": "0" } });
  await start.body?.cancel();
  if (start.status !== 202) throw new SkiffError("UNAVAILABLE", `${what}: the registry answered ${start.status} to the upload request, not 202`);
  let location = nextLocation(start, client.endpoint, what);
  const hash = createHash("sha256");
  let size = 0;
  const finish = async (digest: string, body?: Uint8Array) => {
    const done = new URL(location);
    done.searchParams.set("digest", digest);
    const put = await client.send(what, done.toString(), {
      method: "PUT", scope, headers: { "content-type": "application/octet-stream", "content-length": String(body?.length ?? 0) }, ...(body ? { body: () => body as BodyInit } : {}),
    });
    await put.body?.cancel();
    if (put.status !== 201 && put.status !== 204 && put.status !== 200) throw new SkiffError("UNAVAILABLE", `${what}: the registry answered ${put.status} to the end of the upload`);
  };
  const check = (digest: string) => {
    if (o.expected && digest !== o.expected) throw new SkiffError("FAILED_PRECONDITION", `${what}: the stored blob has digest ${digest}`, { hint: "the store is damaged; pull or build the image again" });
  };
  if (o.expected && o.size !== undefined && o.size <= MONOLITHIC_BYTES) {
    const parts: Uint8Array[] = [];
    for await (const c of chunks()) parts.push(c);
    const body = Buffer.concat(parts);
    const digest = `sha256:${hash.update(body).digest("hex")}`;
    check(digest);
    await finish(digest, body);
    o.onBytes?.(body.length);
    return { digest, size: body.length };
  }
  for await (const piece of rechunk(chunks(), CHUNK_BYTES)) {
    const range = `${size}-${size + piece.length - 1}`;
    const patch = await client.send(what, location, {
      method: "PATCH", scope, headers: { "content-type": "application/octet-stream", "content-range": range, "content-length": String(piece.length) }, body: () => piece as BodyInit,
    });
    await patch.body?.cancel();
    location = nextLocation(patch, location, what);
    hash.update(piece);
    size += piece.length;
    o.onBytes?.(size);
  }
  const digest = `sha256:${hash.digest("hex")}`;
  check(digest);
  await finish(digest);
  return { digest, size };
}

/** The digest of the manifest the registry has under REF (HEAD), or undefined. */
export async function manifestDigestAt(client: RegistryClient, repo: string, reference: string): Promise<string | undefined> {
  const res = await client.send(`check manifest ${repo}:${reference}`, `/v2/${repo}/manifests/${reference}`, {
    method: "HEAD", scope: pushScope(repo), accept: [404], headers: { accept: MANIFEST_ACCEPT },
  });
  await res.body?.cancel();
  return res.ok ? (res.headers.get("docker-content-digest") ?? undefined) : undefined;
}

/** PUT /v2/REPO/manifests/REF with the manifest's own media type; returns its digest. */
export async function putManifest(client: RegistryClient, repo: string, reference: string, data: Uint8Array, mediaType: string): Promise<string> {
  const what = `write manifest ${repo}:${reference}`;
  const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
  const res = await client.send(what, `/v2/${repo}/manifests/${reference}`, { method: "PUT", scope: pushScope(repo), headers: { "content-type": mediaType }, body: () => data as BodyInit });
  await res.body?.cancel();
  const got = res.headers.get("docker-content-digest");
  if (got && got !== digest) throw new SkiffError("FAILED_PRECONDITION", `${what}: the registry stored digest ${got}, not ${digest}`);
  return digest;
}
