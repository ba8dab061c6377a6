/**
 * A long-lived process's start-up code, given back: most of the pages of its program's text that a
 * shim touched (the runtime's start, loading its modules) are never run again while it waits, yet
 * they stay mapped and count against every container (measured: 2.1 of a Bun shim's 6.8 MB PSS at
 * 10 containers). madvise(MADV_DONTNEED) unmaps them from this process only: they are clean file
 * pages, so a later use faults them in again from the page cache, and pages no process maps are the
 * kernel's to reclaim first. Its read-only data goes too (a checking shim's probes had faulted in
 * 0.6 MB more of it than a waiting shim holds: 0.25 MB of PSS, measured, 5 + 5 shims). Only the
 * program file's mappings that cannot be written, and only where they hold no page of their own (a
 * relocated or patched one would lose its changes). A dirty page that is not anonymous is the page
 * cache's, of a program written lately (a build, an install) and not yet on disk: dropping it loses
 * nothing, and counting it had kept every shim started in the half minute after a build from ever
 * giving its text back (the ranges are read once; measured: +6.9 MB file PSS per checking shim).
 */

// never a writable mapping, even one with no page of its own yet: another thread may write to it
// between the look and the drop, and the drop would undo the write
const READ_ONLY = new Set(["r-xp", "r--p"]);

/** The [start, end) of each read-only (text or data) mapping of `program` in /proc/self/smaps with no anonymous page. Pure. */
export function cleanProgramRanges(smaps: string, program: string): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  let current: { range: [bigint, bigint]; anon: boolean } | undefined;
  const close = () => {
    if (current && !current.anon) out.push(current.range);
    current = undefined;
  };
  for (const line of smaps.split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      close();
      if (READ_ONLY.has(head[3]) && head[4] === program) current = { range: [BigInt(`0x${head[1]}`), BigInt(`0x${head[2]}`)], anon: false };
      continue;
    }
    if (!current) continue;
    const field = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (field && Number(field[1]) > 0) current.anon = true;
  }
  close();
  return out;
}

const dropNow = () => void import("./index.js").then(({ getSys }) => getSys()).then((s) => s.dropCodePages()).catch(() => undefined);

/**
 * Gives the code back `firstMs` from now, then every `everyMs`: what the runtime's collector and
 * timers fault in while the shim waits goes back too (measured, 10 waiting Bun shims after two
 * minutes: the program's text 8.3 -> 4.1 MB resident each, 5.03 -> 4.58 MB PSS, for ~70 page faults
 * a minute). Timers that keep no process alive; a failure costs nothing.
 */
export function dropCodePagesFrom(firstMs: number, everyMs: number, drop: () => void = dropNow): void {
  setTimeout(() => {
    drop();
    setInterval(drop, everyMs).unref?.();
  }, firstMs).unref?.();
}

/**
 * When the code a finished probe's process gave back goes back once more, or undefined: the
 * collection the probe's garbage brings on (Bun's collector timer, ≈10 s after the work) runs the
 * collector's code after the first drop, and with the next probe far off its pages stayed till then
 * (measured, a check every 30 s, 3 + 3 shims: +0.79 MB file PSS against a waiting shim; dropped
 * again 12 s on, -0.17; at 2 or 5 s on, +0.39 and +0.44: too early). Not when the next probe comes
 * first or soon after: its own drop does it. Pure.
 */
export function secondDropIn(nextProbeMs: number): number | undefined {
  return nextProbeMs >= AFTER_COLLECTION_MS + 2000 ? AFTER_COLLECTION_MS : undefined;
}
const AFTER_COLLECTION_MS = 12_000;
