/**
 * The config file: /etc/skiff/skiff.toml, then $XDG_CONFIG_HOME/skiff/skiff.toml (~/.config), the
 * later overriding the earlier key by key; SKIFF_CONFIG names one file that replaces both. Parsing
 * and merging are pure; only loadConfig reads files.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { homeDir } from "./paths.js";
import { parse as parseToml } from "smol-toml";
import { SkiffError, errnoCode, messageOf } from "../errors.js";

export interface RegistriesConfig {
  /** Registries tried, in order, for a short name like "alpine". */
  unqualifiedSearch: string[];
  /** Registries reached over plain HTTP or with unverified TLS. */
  insecure: string[];
  /** Mirrors tried before a registry, by registry host. */
  mirrors: Record<string, string[]>;
  /** Directories with <host:port>/*.crt CA certificates. */
  certsDirs: string[];
  /** Seconds a registry may send nothing (headers, body) before a request is given up. */
  timeout?: number;
}

export interface Config {
  root?: string;
  runroot?: string;
  runtime: string;
  storageDriver: string;
  logLevel: string;
  registries: RegistriesConfig;
  /** Default log options of new containers. */
  logs: { driver: string; maxSize?: string; maxFile?: number };
  /** Files the values came from, for `info`. */
  sources: string[];
}

export const DEFAULT_CONFIG: Config = {
  runtime: "runc",
  // "": none said; the store decides (config/store-driver.ts)
  storageDriver: "",
  logLevel: "warn",
  registries: { unqualifiedSearch: ["docker.io"], insecure: [], mirrors: {}, certsDirs: ["/etc/skiff/certs.d", "/etc/containers/certs.d", "/etc/docker/certs.d"] },
  logs: { driver: "k8s-file" },
  sources: [],
};

type Table = Record<string, unknown>;

function bad(path: string, key: string, want: string): never {
  throw new SkiffError("INVALID_ARGUMENT", `read config ${path}: ${key} must be ${want}`);
}

function str(t: Table, key: string, path: string, section: string): string | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") bad(path, `${section}.${key}`, "a string");
  return v;
}

function strList(t: Table, key: string, path: string, section: string): string[] | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) bad(path, `${section}.${key}`, "a list of strings");
  return v as string[];
}

function table(t: Table, key: string, path: string): Table {
  const v = t[key];
  if (v === undefined) return {};
  if (typeof v !== "object" || v === null || Array.isArray(v)) bad(path, key, "a table");
  return v as Table;
}

/** A partial config from one file's text; throws SkiffError naming the file on bad input. */
export function parseConfigText(text: string, path: string): Partial<Config> {
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (err) {
    throw new SkiffError("INVALID_ARGUMENT", `read config ${path}: ${messageOf(err).split("\n")[0]}`);
  }
  const engine = table(doc, "engine", path);
  const storage = table(doc, "storage", path);
  const registries = table(doc, "registries", path);
  const logs = table(doc, "logs", path);
  const mirrorsTable = table(registries, "mirrors", path);
  const mirrors: Record<string, string[]> = {};
  for (const host of Object.keys(mirrorsTable)) mirrors[host] = strList(mirrorsTable, host, path, "registries.mirrors")!;
  const maxFile = logs.max_file;
  if (maxFile !== undefined && (typeof maxFile !== "number" && typeof maxFile !== "bigint")) bad(path, "logs.max_file", "a number");

  const out: Partial<Config> = {};
  const assign = <K extends keyof Config>(k: K, v: Config[K] | undefined) => { if (v !== undefined) out[k] = v; };
  assign("runtime", str(engine, "runtime", path, "engine"));
  assign("logLevel", str(engine, "log_level", path, "engine"));
  assign("storageDriver", str(storage, "driver", path, "storage"));
  assign("root", str(storage, "root", path, "storage"));
  assign("runroot", str(storage, "runroot", path, "storage"));
  const reg: Partial<RegistriesConfig> = {};
  const search = strList(registries, "unqualified_search", path, "registries");
  const insecure = strList(registries, "insecure", path, "registries");
  const certsDirs = strList(registries, "certs_dirs", path, "registries");
  if (search) reg.unqualifiedSearch = search;
  if (insecure) reg.insecure = insecure;
  if (certsDirs) reg.certsDirs = certsDirs;
  const timeout = registries.timeout;
  if (timeout !== undefined) {
    if ((typeof timeout !== "number" && typeof timeout !== "bigint") || !(Number(timeout) > 0) || Number(timeout) > 3600) bad(path, "registries.timeout", "a number of seconds between 0 and 3600");
    reg.timeout = Number(timeout);
  }
  if (Object.keys(mirrors).length) reg.mirrors = mirrors;
  if (Object.keys(reg).length) out.registries = reg as RegistriesConfig;
  const logDriver = str(logs, "driver", path, "logs");
  const maxSize = str(logs, "max_size", path, "logs");
  if (logDriver || maxSize || maxFile !== undefined) {
    out.logs = { driver: logDriver ?? "", maxSize, maxFile: maxFile === undefined ? undefined : Number(maxFile) };
  }
  out.sources = [path];
  return out;
}

/** `over` wins key by key; lists are replaced, not appended. */
export function mergeConfig(base: Config, over: Partial<Config>): Config {
  return {
    ...base,
    ...Object.fromEntries(Object.entries(over).filter(([k, v]) => v !== undefined && !["registries", "logs", "sources"].includes(k))),
    registries: { ...base.registries, ...over.registries, mirrors: { ...base.registries.mirrors, ...over.registries?.mirrors } },
    logs: {
      driver: over.logs?.driver || base.logs.driver,
      maxSize: over.logs?.maxSize ?? base.logs.maxSize,
      maxFile: over.logs?.maxFile ?? base.logs.maxFile,
    },
    sources: [...base.sources, ...(over.sources ?? [])],
  };
}

/** The config files to read, in order, for this environment. */
export function configPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.SKIFF_CONFIG) return [env.SKIFF_CONFIG];
  const xdg = env.XDG_CONFIG_HOME || join(homeDir(env), ".config");
  return ["/etc/skiff/skiff.toml", join(xdg, "skiff", "skiff.toml")];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let config = DEFAULT_CONFIG;
  const explicit = Boolean(env.SKIFF_CONFIG);
  for (const path of configPaths(env)) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if (errnoCode(err) === "ENOENT" && !explicit) continue;
      throw new SkiffError("INVALID_ARGUMENT", `read config ${path}: ${errnoCode(err) ?? messageOf(err)}`, { cause: err });
    }
    config = mergeConfig(config, parseConfigText(text, path));
  }
  return config;
}
