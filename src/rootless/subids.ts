/** /etc/subuid and /etc/subgid: the subordinate ID ranges a user may map into a user namespace. Pure. */

export interface IdRange { start: number; count: number }

/**
 * The ranges of `user` (by name or by numeric ID, as shadow-utils matches them) in the text of a
 * subuid/subgid file, in file order. Malformed lines are skipped, as newuidmap skips them.
 */
export function subordinateRanges(text: string, user: string, id: number): IdRange[] {
  const out: IdRange[] = [];
  for (const line of text.split("\n")) {
    const parts = line.trim().split(":");
    if (parts.length !== 3 || (parts[0] !== user && parts[0] !== String(id))) continue;
    const [start, count] = [Number(parts[1]), Number(parts[2])];
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count <= 0 || !/^\d+$/.test(parts[1]) || !/^\d+$/.test(parts[2])) continue;
    out.push({ start, count });
  }
  return out;
}

/**
 * newuidmap's arguments for a namespace whose root is the user and whose IDs 1… are the user's
 * subordinate ranges, one after the other: "0 OUTER 1 1 START COUNT …".
 */
export function mappingArgs(outer: number, ranges: IdRange[]): string[] {
  const args = ["0", String(outer), "1"];
  let inside = 1;
  for (const r of ranges) {
    args.push(String(inside), String(r.start), String(r.count));
    inside += r.count;
  }
  return args;
}

/** How many IDs a mapping of `ranges` gives the namespace (the user's own included). */
export const mappedCount = (ranges: IdRange[]) => 1 + ranges.reduce((n, r) => n + r.count, 0);
