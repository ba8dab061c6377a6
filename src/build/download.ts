/**
 * ADD's URL sources: fetched with a timeout and a size bound (a hostile server can neither stall
 * a build nor fill memory), named after the URL's last path component, dated by Last-Modified.
 */
import { SkiffError } from "../errors.js";
import type { Logger } from "../log.js";

/** ADD downloads are held in memory while the step runs: at most this much. */
export const MAX_DOWNLOAD = 512 << 20;
const TIMEOUT_MS = 60_000;

export async function downloadSource(url: string, log: Logger, max = MAX_DOWNLOAD): Promise<{ name: string; data: Uint8Array; mtime: number }> {
  const name = decodeURIComponent(new URL(url).pathname.split("/").filter(Boolean).pop() ?? "") || "index.html";
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "follow" });
  } catch (err) {
    throw new SkiffError("UNAVAILABLE", `ADD ${url}: ${err instanceof Error && err.name === "TimeoutError" ? "no answer in time" : (err as Error).message}`);
  }
  if (!res.ok) throw new SkiffError("UNAVAILABLE", `ADD ${url}: ${res.status} ${res.statusText}`);
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > max) throw new SkiffError("FAILED_PRECONDITION", `ADD ${url}: ${declared} bytes is more than ${max}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (;;) {
    if (!reader) break;
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new SkiffError("FAILED_PRECONDITION", `ADD ${url}: more than ${max} bytes`);
    }
    chunks.push(value);
  }
  const data = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) { data.set(c, off); off += c.length; }
  const modified = Date.parse(res.headers.get("last-modified") ?? "");
  log.debug(`ADD ${url}: ${size} bytes`);
  return { name, data, mtime: Number.isFinite(modified) ? Math.floor(modified / 1000) : Math.floor(Date.now() / 1000) };
}
