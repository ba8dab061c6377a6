/**
 * `--change` instructions of import (and later commit), in the Dockerfile forms podman accepts:
 * `CMD ["sh"]`, `CMD sh -c x` (shell form), `CMD=…`, `ENV A=1 B=2`, `LABEL k=v`, `EXPOSE 80/tcp`,
 * `WORKDIR /x`, `USER u`, `ENTRYPOINT …`, `VOLUME /data`, `STOPSIGNAL SIGINT`. Pure.
 */
import { SkiffError } from "../errors.js";
import type { ImageConfig } from "./manifest.js";

type Settings = NonNullable<ImageConfig["config"]>;

function bad(change: string, why: string): never {
  throw new SkiffError("INVALID_ARGUMENT", `invalid --change "${change}": ${why}`);
}

/** A JSON array of strings, or the shell form wrapped in /bin/sh -c. */
function commandValue(value: string, change: string): string[] {
  const v = value.trim();
  if (v.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      bad(change, "not a valid JSON array");
    }
    if (!Array.isArray(parsed) || parsed.some((x) => typeof x !== "string")) bad(change, "must be a JSON array of strings");
    return parsed as string[];
  }
  return ["/bin/sh", "-c", v];
}

/** "A=1 B='two words'" or "A 1" (legacy single pair). */
function pairs(value: string, change: string): [string, string][] {
  const v = value.trim();
  if (!v.includes("=")) {
    const sp = v.search(/\s/);
    if (sp === -1) bad(change, "expected KEY=VALUE");
    return [[v.slice(0, sp), v.slice(sp).trim()]];
  }
  const out: [string, string][] = [];
  const re = /([^\s=]+)=("((?:[^"\\]|\\.)*)"|'([^']*)'|(\S*))/g;
  let m: RegExpExecArray | null;
  let consumed = "";
  while ((m = re.exec(v))) {
    out.push([m[1], m[3] !== undefined ? m[3].replace(/\\(.)/g, "$1") : (m[4] ?? m[5] ?? "")]);
    consumed += m[0];
  }
  if (consumed.replace(/\s/g, "").length !== v.replace(/\s/g, "").length) bad(change, "expected KEY=VALUE pairs");
  return out;
}

export function applyChanges(settings: Settings, changes: string[]): Settings {
  const out: Settings = { ...settings, Env: [...(settings.Env ?? [])], Labels: { ...(settings.Labels ?? {}) } };
  for (const change of changes) {
    const m = /^\s*([A-Za-z]+)(?:\s*=\s*|\s+)([\s\S]*)$/.exec(change);
    if (!m) bad(change, "expected INSTRUCTION VALUE");
    const [, word, value] = m;
    switch (word.toUpperCase()) {
      case "CMD": out.Cmd = commandValue(value, change); break;
      case "ENTRYPOINT": out.Entrypoint = commandValue(value, change); break;
      case "WORKDIR": out.WorkingDir = value.trim(); break;
      case "USER": out.User = value.trim(); break;
      case "STOPSIGNAL": out.StopSignal = value.trim(); break;
      case "ONBUILD": out.OnBuild = [...(out.OnBuild ?? []), value.trim()]; break;
      case "ENV":
        for (const [k, v] of pairs(value, change)) out.Env = [...out.Env!.filter((e) => !e.startsWith(`${k}=`)), `${k}=${v}`];
        break;
      case "LABEL":
        for (const [k, v] of pairs(value, change)) out.Labels![k] = v;
        break;
      case "EXPOSE":
        for (const p of value.trim().split(/\s+/)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(p)) bad(change, `bad port "${p}"`);
          out.ExposedPorts = { ...out.ExposedPorts, [p.includes("/") ? p : `${p}/tcp`]: {} };
        }
        break;
      case "VOLUME": {
        const v = value.trim();
        const list = v.startsWith("[") ? commandValue(v, change) : v.split(/\s+/);
        for (const p of list) out.Volumes = { ...out.Volumes, [p]: {} };
        break;
      }
      default:
        bad(change, `unsupported instruction ${word.toUpperCase()}`);
    }
  }
  return out;
}
