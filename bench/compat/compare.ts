/** What two engines' outputs have to share to "behave the same" in bench/compat.ts. */

/**
 * Text with what differs between any two runs made the same: ids, times, durations, sizes, the
 * engine's own published port, and column padding (names and ids differ in width between stores).
 */
export function normalise(text: string, port: string): string {
  return text
    .replace(/\x1b\[[0-9;]*m/g, "")
    .replace(new RegExp(`(?<!\\d)${port}(?!\\d)`, "g"), "<PORT>")
    .replace(/\b[0-9a-f]{64}\b/g, "<ID>")
    .replace(/\b[0-9a-f]{12}\b/g, "<ID>")
    .replace(/\d{4}-\d\d-\d\d[T ][\d:.]+( ?(Z|[+-]\d\d:?\d\d))?( [A-Z]{3,4})?/g, "<TIME>")
    .replace(/(\d+|About an?|Less than a) (seconds?|minutes?|hours?|days?)( ago)?/g, "<AGO>")
    .replace(/\b\d+(\.\d+)? ?[kKMG]?B\b/g, "<SIZE>")
    .replace(/[ \t]+/g, " ")
    .replace(/ +$/gm, "");
}

/** "path type" of every value in a JSON text, one a line, sorted; array elements merged as []. */
export function jsonShape(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 80)}`;
  }
  const paths = new Set<string>();
  const walk = (v: unknown, path: string): void => {
    const type = v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
    paths.add(`${path || "."} ${type}`);
    if (Array.isArray(v)) for (const x of v) walk(x, `${path}[]`);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(value, "");
  // each engine's default network has its own name (docs/differences.md)
  return [...paths].map((p) => p.replace(/\.Networks\.(podman|skiff)\b/, ".Networks.<default>")).sort().join("\n");
}
