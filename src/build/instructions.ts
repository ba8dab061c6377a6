/**
 * What each metadata instruction does to the image config (ENV, LABEL, WORKDIR, USER, EXPOSE,
 * VOLUME, STOPSIGNAL, CMD, ENTRYPOINT, HEALTHCHECK, SHELL, ONBUILD, MAINTAINER), and the history
 * text each step records (buildah's, which is also what its cache compares). Pure.
 */
import { posix } from "node:path";
import { SkiffError } from "../errors.js";
import type { Healthcheck, ImageConfig } from "../image/manifest.js";
import { parseSignal } from "../container/signals.js";
import { GO_DURATION, parseDuration as parseGoDuration } from "../container/policy.js";
import type { Instruction } from "./containerfile.js";
import { keyValuePairs, processWord, processWords, type Lookup } from "./words.js";

export const DEFAULT_SHELL = ["/bin/sh", "-c"];

export interface StageVars {
  /** Lookup for expansion: ENV first, then the stage's ARGs. */
  lookup: Lookup;
  escape: string;
  shell: string[];
  /** CMD was set in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
}

type Settings = NonNullable<ImageConfig["config"]>;

function fail(inst: Instruction, file: string, message: string): never {
  throw new SkiffError("INVALID_ARGUMENT", `${file}:${inst.line}: ${inst.keyword}: ${message}`);
}

export function envMap(env: string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env ?? []) {
    const eq = e.indexOf("=");
    m.set(eq === -1 ? e : e.slice(0, eq), eq === -1 ? "" : e.slice(eq + 1));
  }
  return m;
}

/** Sets KEY in place (podman keeps a replaced variable where it was), or appends it. */
export function setEnv(env: string[] | undefined, key: string, value: string): string[] {
  const list = env ?? [];
  const i = list.findIndex((e) => e === key || e.startsWith(`${key}=`));
  if (i === -1) return [...list, `${key}=${value}`];
  return list.map((e, j) => (j === i ? `${key}=${value}` : e)).filter((e, j) => j <= i || !(e === key || e.startsWith(`${key}=`)));
}

/** The command of CMD/ENTRYPOINT/RUN: exec form as written, shell form wrapped in SHELL. */
export function commandOf(inst: Instruction, shell: string[]): string[] {
  return inst.json ?? [...shell, inst.rest];
}


/** A Go duration ("30s", "1m30s") in nanoseconds. */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  return GO_DURATION.test(text) ? Math.round(parseGoDuration(text, "") * 1e6) : undefined;
}

function healthcheck(inst: Instruction, file: string, shell: string[]): Healthcheck {
  const words = inst.rest.trim().split(/\s+/);
  const kind = words[0]?.toUpperCase();
  if (kind === "NONE") return { Test: ["NONE"] };
  if (kind !== "CMD") fail(inst, file, "expected CMD or NONE");
  const cmdText = inst.rest.trim().slice(3).trim();
  let json: string[] | undefined;
  try {
    const v = JSON.parse(cmdText) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) json = v as string[];
  } catch { /* shell form */ }
  const out: Healthcheck = { Test: json ? ["CMD", ...json] : ["CMD-SHELL", cmdText] };
  void shell;
  const dur = (flag: string, key: "Interval" | "Timeout" | "StartPeriod" | "StartInterval") => {
    const v = inst.flags[flag]?.at(-1);
    if (v === undefined) return;
    const ns = parseDuration(v);
    if (ns === undefined) fail(inst, file, `invalid --${flag} "${v}"`);
    out[key] = ns;
  };
  dur("interval", "Interval");
  dur("timeout", "Timeout");
  dur("start-period", "StartPeriod");
  dur("start-interval", "StartInterval");
  const r = inst.flags.retries?.at(-1);
  if (r !== undefined) {
    if (!/^\d+$/.test(r) || Number(r) < 1) fail(inst, file, `--retries must be at least 1, not "${r}"`);
    out.Retries = Number(r);
  }
  return out;
}

/** ENV, LABEL, … applied to `config`; returns the new config (the input is not changed). */
export function applyMetadata(config: ImageConfig, inst: Instruction, vars: StageVars, file: string): ImageConfig {
  const c: Settings = { ...(config.config ?? {}) };
  const { lookup, escape } = vars;
  const out: ImageConfig = { ...config, config: c };
  switch (inst.keyword) {
    case "ENV": {
      const pairs = keyValuePairs(inst.rest, lookup, escape);
      if (pairs.length === 0) fail(inst, file, "requires at least one argument");
      for (const [k, v] of pairs) {
        if (v === undefined) fail(inst, file, `${k}: expected KEY=VALUE`);
        c.Env = setEnv(c.Env, k, v);
      }
      break;
    }
    case "LABEL": {
      const pairs = keyValuePairs(inst.rest, lookup, escape, false);
      if (pairs.length === 0) fail(inst, file, "requires at least one argument");
      c.Labels = { ...(c.Labels ?? {}) };
      for (const [k, v] of pairs) {
        if (v === undefined) fail(inst, file, `${k}: expected KEY=VALUE`);
        c.Labels[k] = v;
      }
      break;
    }
    case "WORKDIR": {
      const dir = processWord(inst.rest.trim(), lookup, escape);
      if (!dir) fail(inst, file, "requires exactly one argument");
      c.WorkingDir = posix.resolve(c.WorkingDir || "/", dir).replace(/(.)\/+$/, "$1");
      break;
    }
    case "USER": {
      const user = processWord(inst.rest.trim(), lookup, escape);
      if (!user) fail(inst, file, "requires exactly one argument");
      c.User = user;
      break;
    }
    case "EXPOSE":
      for (const p of processWords(inst.rest, lookup, escape)) {
        if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) fail(inst, file, `invalid port "${p}"`);
        c.ExposedPorts = { ...c.ExposedPorts, [p.includes("/") ? p.toLowerCase() : `${p}/tcp`]: {} };
      }
      break;
    case "VOLUME": {
      const list = inst.json ?? processWords(inst.rest, lookup, escape);
      if (list.length === 0 || list.some((v) => v.trim() === "")) fail(inst, file, "VOLUME specified can not be an empty string");
      for (const v of list) c.Volumes = { ...c.Volumes, [v]: {} };
      break;
    }
    case "STOPSIGNAL": {
      const sig = processWord(inst.rest.trim(), lookup, escape);
      try {
        parseSignal(sig);
      } catch {
        fail(inst, file, `invalid signal "${sig}"`);
      }
      c.StopSignal = sig;
      break;
    }
    case "CMD":
      c.Cmd = commandOf(inst, vars.shell);
      vars.cmdSet = true;
      break;
    case "ENTRYPOINT":
      c.Entrypoint = inst.json ?? (inst.rest.trim() === "" ? [] : [...vars.shell, inst.rest]);
      if (!vars.cmdSet) c.Cmd = undefined;
      break;
    case "HEALTHCHECK":
      c.Healthcheck = healthcheck(inst, file, vars.shell);
      break;
    case "SHELL":
      if (!inst.json || inst.json.length === 0) fail(inst, file, "requires the arguments to be in JSON form");
      c.Shell = inst.json;
      vars.shell = inst.json;
      break;
    case "ONBUILD": {
      const word = inst.rest.trim().split(/\s+/)[0]?.toUpperCase();
      if (!word) fail(inst, file, "requires at least one argument");
      if (["ONBUILD", "FROM", "MAINTAINER"].includes(word)) fail(inst, file, `${word} isn't allowed as an ONBUILD trigger`);
      c.OnBuild = [...(c.OnBuild ?? []), inst.rest.trim()];
      break;
    }
    case "MAINTAINER":
      out.author = inst.rest.trim();
      break;
    default:
      throw new Error(`not a metadata instruction: ${inst.keyword}`);
  }
  return out;
}

/** History `created_by` of a metadata step, as buildah writes it. */
export function metadataCreatedBy(inst: Instruction): string {
  return `/bin/sh -c #(nop) ${inst.original}`;
}

/** History `created_by` of RUN: the build args it sees, then the command (buildah's `|N K=V …` form). */
export function runCreatedBy(command: string[], args: [string, string][], heredocs: string): string {
  const prefix = args.length ? `|${args.length} ${args.map(([k, v]) => `${k}=${v}`).join(" ")} ` : "";
  return `${prefix}${command.join(" ")}${heredocs}`;
}
