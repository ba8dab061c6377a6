/** `events`: which events a filter keeps, and podman's human line. Pure. */
import { SkiffError } from "../errors.js";
import type { SkiffEvent } from "./log.js";

const KEYS = ["type", "event", "status", "container", "image", "volume", "network", "label"];

/** Filters: the same key ORs, different keys AND (podman's rule). */
export function eventFilter(filters: string[]): (e: SkiffEvent) => boolean {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const i = f.indexOf("=");
    const key = i < 0 ? f : f.slice(0, i);
    if (i < 0) throw new SkiffError("INVALID_ARGUMENT", `invalid filter "${f}"`, { hint: `use ${KEYS.map((k) => `${k}=`).join(", ")}` });
    // a key podman does not know matches nothing (podman's: no error, no events)
    byKey.set(key === "status" ? "event" : key, [...(byKey.get(key === "status" ? "event" : key) ?? []), f.slice(i + 1)]);
  }
  const named = (e: SkiffEvent, v: string) => e.Name === v || (e.ID !== undefined && v.length >= 3 && e.ID.startsWith(v));
  const test = (key: string, v: string, e: SkiffEvent): boolean => {
    switch (key) {
      case "type": return e.Type === v;
      case "event": return e.Status === v;
      case "container": return e.Type === "container" && named(e, v);
      case "image": return (e.Type === "image" && (named(e, v) || e.Name?.endsWith(`/${v}`) === true || e.Name?.startsWith(`${v}:`) === true)) || (e.Type === "container" && (e.Image === v || e.Image?.endsWith(`/${v}`) === true || e.Image?.includes(`/${v}:`) === true));
      case "volume": return e.Type === "volume" && named(e, v);
      case "network": return e.Type === "network" && named(e, v);
      case "label": {
        const j = v.indexOf("=");
        const attrs = e.Attributes ?? {};
        return j < 0 ? v in attrs : attrs[v.slice(0, j)] === v.slice(j + 1);
      }
      default: return false;
    }
  };
  return (e) => [...byKey].every(([key, values]) => values.some((v) => test(key, v, e)));
}

/** "2026-12-01 15:20:47.370190966 +0000 UTC container create ID (image=…, name=…)", as podman prints. */
export function humanLine(e: SkiffEvent): string {
  const t = e.Time.replace("T", " ").replace(/Z$/, "");
  const [date, frac = ""] = t.split(".");
  const when = `${date}${frac ? `.${frac.padEnd(9, "0")}` : ""} +0000 UTC`;
  if (e.Type !== "container") return `${when} ${e.Type} ${e.Status} ${e.ID ?? ""} ${e.Name ?? ""}`.replace(/ +$/, "");
  const attrs = [`image=${e.Image ?? ""}`, `name=${e.Name ?? ""}`, ...(e.ContainerExitCode !== undefined ? [`containerExitCode=${e.ContainerExitCode}`] : []), ...(e.HealthStatus ? [`health_status=${e.HealthStatus}`] : []),
    ...Object.entries(e.Attributes ?? {}).filter(([k]) => k !== "health_status").sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`)];
  return `${when} container ${e.Status} ${e.ID ?? ""} (${attrs.join(", ")})`;
}
