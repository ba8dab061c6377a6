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

/** Stored blobs larger than this go in chunks of this size (PATCH with Content-Range): a failed chunk is sent again, not the blob. */
export const CHUNK_BYTES = 32 << 20;
/** Blobs up to this size whose digest is known go in one PUT (a monolithic upload). */
export const MONOLITHIC_BYTES = 1 << 20;

/** A body stream of `chunks` that hashes and counts what it sends. */
function hashedStream(chunks: () => AsyncIterable<Uint8Array>, seen: { hash: ReturnType<typeof createHash>; size: number }, onBytes?: (n: number) => void): ReadableStream<Uint8Array> {
  let it: AsyncIterator<Uint8Array>;
  return new ReadableStream<Uint8Array>({
    start() { it = chunks()[Symbol.asyncIterator](); },
    async pull(controller) {
      const { done, value } = await it.next();
      if (done) return controller.close();
      seen.hash.update(value);
      seen.size += value.length;
      onBytes?.(seen.size);
      controller.enqueue(value);
    },
    async cancel() { await it.return?.(); },
  });
}

export interface UploadSource {
  /** The bytes, from the start (made anew for a retried request). */
  chunks(): AsyncIterable<Uint8Array>;
  /** A stored blob: its size, and its bytes from `start` to `end` (exclusive) for chunked PATCHes. */
  stored?: { size: number; range(start: number, end: number): AsyncIterable<Uint8Array> };
}

/**
 * Uploads a blob: POST opens the session; a small stored blob goes in one PUT (monolithic), a
 * large one in PATCHes of CHUNK_BYTES with Content-Range read straight from the file (nothing is
 * buffered; a failed chunk alone is sent again), anything else (compressed on the way, its size
 * unknown) in one streamed PATCH. Each request goes to the latest Location; a PUT with the digest
 * closes it. `expected` (when the digest is known beforehand) must match what was sent.
 */
export async function uploadBlob(client: RegistryClient, repo: string, src: UploadSource, o: { expected?: string; onBytes?: (n: number) => void } = {}): Promise<{ digest: string; size: number }> {
  const what = `upload blob${o.expected ? ` ${o.expected}` : ""} to ${repo}`;
  const scope = pushScope(repo);
  const start = await client.send(what, `/v2/${repo}/blobs/uploads/`, { method: "POST", scope, headers: { "content-length": "0" } });
  await start.body?.cancel();
  if (start.status !== 202) throw new SkiffError("UNAVAILABLE", `${what}: the registry answered ${start.status} to the upload request, not 202`);
  let location = nextLocation(start, client.endpoint, what);
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
  const stored = src.stored;
  if (o.expected && stored && stored.size <= MONOLITHIC_BYTES) {
    const parts: Uint8Array[] = [];
    for await (const c of src.chunks()) parts.push(c);
    const body = Buffer.concat(parts);
    const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
    check(digest);
    await finish(digest, body);
    o.onBytes?.(body.length);
    return { digest, size: body.length };
  }
  if (stored && stored.size > CHUNK_BYTES) {
    let sent = 0;
    let seen = { hash: createHash("sha256"), size: 0 };
    // the digest of a stored blob was verified when it was stored; without one, it is computed here
    const total = o.expected ? undefined : createHash("sha256");
    for (let off = 0; off < stored.size; off += CHUNK_BYTES) {
      const end = Math.min(off + CHUNK_BYTES, stored.size);
      const patch = await client.send(what, location, {
        method: "PATCH", scope, headers: { "content-type": "application/octet-stream", "content-range": `${off}-${end - 1}`, "content-length": String(end - off) },
        // a retried chunk is read again from the file
        body: () => { seen = { hash: createHash("sha256"), size: 0 }; return hashedStream(() => stored.range(off, end), seen, (n) => o.onBytes?.(sent + n)); },
      });
      await patch.body?.cancel();
      location = nextLocation(patch, location, what);
      if (total) for await (const c of stored.range(off, end)) total.update(c);
      sent = end;
    }
    const digest = total ? `sha256:${total.digest("hex")}` : o.expected!;
    check(digest);
    await finish(digest);
    return { digest, size: stored.size };
  }
  let seen = { hash: createHash("sha256"), size: 0 };
  const patch = await client.send(what, location, {
    method: "PATCH", scope, headers: { "content-type": "application/octet-stream" },
    // a retried PATCH starts the stream again from the beginning
    body: () => { seen = { hash: createHash("sha256"), size: 0 }; return hashedStream(src.chunks, seen, o.onBytes); },
  });
  await patch.body?.cancel();
  location = nextLocation(patch, location, what);
  const digest = `sha256:${seen.hash.digest("hex")}`;
  check(digest);
  await finish(digest);
  return { digest, size: seen.size };
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
