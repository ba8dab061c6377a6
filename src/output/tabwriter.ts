/**
 * Column alignment as Go's text/tabwriter does it with podman's settings (minwidth 12, padding 2):
 * each cell is terminated by a tab, the text after a line's last tab is not padded.
 */
export function alignColumns(lines: string[], minWidth = 12, padding = 2): string[] {
  const rows = lines.map((l) => l.split("\t"));
  const widths: number[] = [];
  for (const cells of rows) {
    cells.slice(0, -1).forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, minWidth, c.length + padding);
    });
  }
  return rows.map((cells) =>
    cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]) : c)).join("").trimEnd(),
  );
}
