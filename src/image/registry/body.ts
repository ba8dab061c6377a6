/**
 * Reading what a registry sends, bounded in size and in time: a manifest or token answer larger
 * than its limit is refused before it is stored (a 100 MB "manifest" once made every later command
 * fail), and a server that stops sending is given up on after the idle timeout instead of hanging.
 */
import { SkiffError } from "../../errors.js";

/** distribution's and containerd's manifest limit. */
export const MAX_MANIFEST_BYTES = 4 << 20;
export const MAX_TOKEN_BYTES = 1 << 20;

/** Seconds without a byte (headers or body) before a request is given up: registries.timeout. */
export const DEFAULT_TIMEOUT_S = 30;

export function tooLarge(what: string, max: number): SkiffError {
  return new SkiffError("FAILED_PRECONDITION", `${what}: the answer is larger than ${max} bytes`, { hint: "the registry sent more than a document of this kind may hold; nothing was stored" });
}

export function stalled(what: string, timeoutMs: number): SkiffError {
  return new SkiffError("UNAVAILABLE", `${what}: no data from the registry for ${Math.round(timeoutMs / 1000)} s`, { hint: "raise registries.timeout in the config file if the registry is this slow" });
}

/** The next chunk, or a stall error after `idleMs` (the reader is cancelled then). */
export async function readWithin<T>(reader: ReadableStreamDefaultReader<T>, idleMs: number, what: string): Promise<ReadableStreamReadResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(stalled(what, idleMs));
      // cancelling settles the pending read as "done": the flag below tells it from a real end
      void reader.cancel().catch(() => undefined);
    }, idleMs);
  });
  try {
    const next = await Promise.race([reader.read(), timeout]);
    if (timedOut) throw stalled(what, idleMs);
    return next;
  } finally {
    clearTimeout(timer);
  }
}

/** The whole body, at most `max` bytes, each chunk within `idleMs`. */
export async function readBounded(res: Response, max: number, idleMs: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(what, max);
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await readWithin(reader, idleMs, what);
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(what, max);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * fetch() with a time limit on the answer's headers: the signal aborts the request if no headers
 * arrived in time; after that, body reads are bounded by readWithin.
 */
export async function fetchWithin(url: URL, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } catch (err) {
    if (controller.signal.aborted) throw stalled(what, timeoutMs);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
