/**
 * Registry credentials in the files podman and docker use (containers-auth.json(5)):
 *   $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json (written by login), then read
 *   also $XDG_CONFIG_HOME/containers/auth.json, $DOCKER_CONFIG/config.json (~/.docker/config.json).
 * `credHelpers` / `credsStore` run docker-credential-<helper> get. Written files are 0600.
 */
import { chmodSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { SkiffError, errnoCode } from "../../errors.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { builtin } from "../../util/builtin.js";
import type { Credentials } from "./client.js";

interface AuthEntry { auth?: string; identitytoken?: string }
export interface AuthFile { auths?: Record<string, AuthEntry>; credHelpers?: Record<string, string>; credsStore?: string; [k: string]: unknown }

/** Where login writes (and logout removes). */
export function writeAuthPath(env: NodeJS.ProcessEnv, uid: number, override?: string): string {
  if (override) return override;
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "containers", "auth.json") : `/run/containers/${uid}/auth.json`;
}

/** Files consulted for credentials, in order. */
export function readAuthPaths(env: NodeJS.ProcessEnv, uid: number, override?: string): string[] {
  if (override) return [override];
  const home = env.HOME || builtin<typeof import("node:os")>("node:os").homedir();
  const config = env.XDG_CONFIG_HOME || join(home, ".config");
  return [
    writeAuthPath(env, uid),
    join(config, "containers", "auth.json"),
    join(env.DOCKER_CONFIG || join(home, ".docker"), "config.json"),
  ];
}

/** Keys may be "host", "https://host/v1/", "host/ns/repo"; Docker Hub is https://index.docker.io/v1/. */
export function normalizeKey(key: string): string {
  const host = key.replace(/^https?:\/\//, "");
  const bare = host.replace(/\/v[12]\/?$/, "").replace(/\/$/, "");
  return ["index.docker.io", "registry-1.docker.io"].includes(bare.split("/")[0]) ? bare.replace(/^[^/]+/, "docker.io") : bare;
}

/** Most specific first: host/ns/repo, host/ns, host. */
export function lookupKeys(registry: string, repo?: string): string[] {
  const keys: string[] = [];
  if (repo) {
    const parts = repo.split("/");
    for (let i = parts.length; i > 0; i--) keys.push(`${registry}/${parts.slice(0, i).join("/")}`);
  }
  keys.push(registry);
  return keys;
}

function decode(entry: AuthEntry): Credentials | undefined {
  if (entry.identitytoken) return { username: "", password: entry.identitytoken };
  if (!entry.auth) return undefined;
  const text = Buffer.from(entry.auth, "base64").toString();
  const i = text.indexOf(":");
  if (i === -1) return undefined; // malformed entries are ignored, as docker does
  return { username: text.slice(0, i), password: text.slice(i + 1).replace(/\0+$/, "") };
}

export function readAuthFile(path: string): AuthFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return undefined;
    throw new SkiffError("FAILED_PRECONDITION", `read ${path}: ${errnoCode(err) ?? err}`);
  }
  try {
    return JSON.parse(text) as AuthFile;
  } catch {
    throw new SkiffError("INVALID_ARGUMENT", `read ${path}: not valid JSON`);
  }
}

function fromHelper(helper: string, registry: string): Credentials | undefined {
  const server = registry === "docker.io" ? "https://index.docker.io/v1/" : registry;
  try {
    const { execFileSync } = builtin<typeof import("node:child_process")>("node:child_process");
    const out = execFileSync(`docker-credential-${helper}`, ["get"], { input: server, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], timeout: 10000 });
    const c = JSON.parse(out) as { Username?: string; Secret?: string };
    if (!c.Secret) return undefined;
    return { username: c.Username === "<token>" ? "" : (c.Username ?? ""), password: c.Secret };
  } catch (err) {
    const stdout = String((err as { stdout?: string }).stdout ?? "");
    if (/credentials not found/i.test(stdout)) return undefined;
    throw new SkiffError("FAILED_PRECONDITION", `credential helper docker-credential-${helper} failed for ${registry}`);
  }
}

/** The credentials for `registry` (and `repo`), or undefined. */
export function findCredentials(paths: string[], registry: string, repo?: string): Credentials | undefined {
  for (const path of paths) {
    const file = readAuthFile(path);
    if (!file) continue;
    const helper = file.credHelpers?.[registry] ?? (registry === "docker.io" ? file.credHelpers?.["index.docker.io"] : undefined);
    if (helper) return fromHelper(helper, registry);
    const auths = new Map(Object.entries(file.auths ?? {}).map(([k, v]) => [normalizeKey(k), v]));
    for (const key of lookupKeys(registry, repo)) {
      const entry = auths.get(key);
      const creds = entry && decode(entry);
      if (creds) return creds;
    }
    if (file.credsStore) {
      const c = fromHelper(file.credsStore, registry);
      if (c) return c;
    }
  }
  return undefined;
}

/** Adds or replaces the entry for `registry`, keeping the rest of the file; 0600, atomic. */
export function storeCredentials(path: string, registry: string, creds: Credentials): void {
  const file = readAuthFile(path) ?? {};
  const auths = file.auths ?? {};
  for (const k of Object.keys(auths)) if (normalizeKey(k) === registry) delete auths[k];
  auths[registry] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString("base64") };
  file.auths = auths;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileAtomic(path, `${JSON.stringify(file, null, "\t")}\n`, 0o600);
  chmodSync(path, 0o600);
}

/** Removes the entry for `registry` (or every entry); true when something was removed. */
export function removeCredentials(path: string, registry: string | undefined): boolean {
  const file = readAuthFile(path);
  if (!file?.auths) return false;
  const before = Object.keys(file.auths).length;
  for (const k of Object.keys(file.auths)) if (registry === undefined || normalizeKey(k) === registry) delete file.auths[k];
  if (Object.keys(file.auths).length === before) return false;
  writeFileAtomic(path, `${JSON.stringify(file, null, "\t")}\n`, 0o600);
  return true;
}
