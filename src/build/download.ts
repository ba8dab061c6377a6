/**
 * ADD's URL sources: fetched with a timeout and a size bound (a hostile server can neither stall
 * a build nor fill memory), named after the URL's last path component, dated by Last-Modified.
 */
import { SkiffError } from "../errors.js";
import type { Logger } from "../log.js";
import { readBounded } from "../image/registry/body.js";

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
  // the registry client's bounded reader: a size limit, and a limit on time without a byte
  const data = await readBounded(res, max, TIMEOUT_MS, `ADD ${url}`);
  const size = data.length;
  const modified = Date.parse(res.headers.get("last-modified") ?? "");
  log.debug(`ADD ${url}: ${size} bytes`);
  return { name, data, mtime: Number.isFinite(modified) ? Math.floor(modified / 1000) : Math.floor(Date.now() / 1000) };
}
