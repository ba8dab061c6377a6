/** Decimal units as go-units computes them: `precision` significant digits, then the unit. */
function decimalSize(bytes: number, precision: number, sep: string): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  return `${Number(size.toPrecision(precision))}${sep}${units[i]}`;
}

/** Sizes as podman's tables print them: three significant digits ("7.63 MB"). */
export const humanSize = (bytes: number): string => decimalSize(bytes, 3, " ");

/** go-units' HumanSizeWithPrecision(n, 3) as ps --size prints it: no space ("12B", "1.98MB"). */
export const goSize = (bytes: number): string => decimalSize(bytes, 3, "");

/** go-units' HumanSize, as `system prune` and `stats` print it: four significant digits, no space ("1.998MB", "0B"). */
export const compactSize = (bytes: number): string => decimalSize(bytes, 4, "");

/** Binary units for transfer progress ("12.3 MiB"). */
export function binarySize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < units.length - 1) {
    size /= 1024;
    i++;
  }
  return i === 0 ? `${size} B` : `${size.toFixed(1)} ${units[i]}`;
}

/** podman's "x ago" (go-units HumanDuration): "Less than a second", "3 minutes", "2 weeks". */
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return "Less than a second";
  if (s === 1) return "1 second";
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m === 1) return "About a minute";
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return "About an hour";
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}
