/** --restart policies and --since/--until times, as podman accepts them. Pure. */
import { SkiffError } from "../errors.js";

export interface RestartPolicy { name: "no" | "on-failure" | "always" | "unless-stopped"; maxRetries: number }

/** no | never | on-failure[:N] | always | unless-stopped */
export function parseRestartPolicy(value: string): RestartPolicy {
  const m = /^(no|never|on-failure|always|unless-stopped)(?::(\d+))?$/.exec(value.trim());
  if (!m || (m[2] !== undefined && m[1] !== "on-failure")) {
    throw new SkiffError("INVALID_ARGUMENT", `invalid restart policy "${value}"`, { hint: "use no, on-failure[:N], always or unless-stopped" });
  }
  return { name: m[1] === "never" ? "no" : (m[1] as RestartPolicy["name"]), maxRetries: m[2] === undefined ? 0 : Number(m[2]) };
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("250ms", "1m30s") in milliseconds; a bare number is milliseconds, as podman's --interval. */
/** A Go duration with its units ("1m30s", "250ms"). */
export const GO_DURATION = /^(\d+(\.\d+)?(ns|us|\u00b5s|ms|s|m|h))+$/;

export function parseDuration(value: string, flag: string): number {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  if (!GO_DURATION.test(v)) throw new SkiffError("INVALID_ARGUMENT", `invalid duration "${value}" for ${flag}`, { hint: "use a duration such as 250ms or 2s" });
  let ms = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}

/**
 * A point in time for --since/--until: a Go duration before `now` ("10m", "1h30m"), Unix seconds
 * ("1700000000", "1700000000.5"), or an RFC 3339 / date form ("2024-01-02T03:04:05Z", "2024-01-02").
 */
export function parseTimeArg(value: string, now: number, flag: string): number {
  const v = value.trim();
  if (/^(\d+(\.\d+)?(ns|us|\u00b5s|ms|s|m|h))+$/.test(v)) return now - parseDuration(v, flag);
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new SkiffError("INVALID_ARGUMENT", `invalid time "${value}" for ${flag}`, { hint: "use a duration (10m), Unix seconds, or an RFC 3339 time" });
  return t;
}

/** Whether the shim starts the container again after it exited (never after stop or kill). */
export function shouldRestart(policy: RestartPolicy, exitCode: number, restartCount: number, stoppedByUser: boolean): boolean {
  if (stoppedByUser) return false;
  switch (policy.name) {
    case "always":
    case "unless-stopped":
      return true;
    case "on-failure":
      return exitCode !== 0 && (policy.maxRetries === 0 || restartCount < policy.maxRetries);
    default:
      return false;
  }
}

/** Docker's backoff: 100 ms doubling per restart, at most a minute; a run that lasted 10 s resets it. */
export function restartDelay(consecutive: number): number {
  return Math.min(100 * 2 ** consecutive, 60_000);
}

/** What `start --all` brings back at boot: always, or unless-stopped when the user did not stop it. */
export function startsOnBoot(policy: RestartPolicy, stoppedByUser: boolean): boolean {
  return policy.name === "always" || (policy.name === "unless-stopped" && !stoppedByUser);
}
