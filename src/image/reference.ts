/**
 * Image references, parsed and normalised as docker and podman do (distribution/reference):
 * `alpine` → docker.io/library/alpine:latest, `host:port/a/b:tag`, `name@sha256:…`. Pure.
 */
import { SkiffError } from "../errors.js";
import { isDigest } from "./digest.js";

export interface Reference {
  /** Registry host, e.g. "docker.io", "localhost:5000". */
  domain: string;
  /** Repository path, e.g. "library/alpine". */
  path: string;
  tag?: string;
  digest?: string;
}

/** A reference as typed: `domain` is absent for a short name ("alpine", "user/app"). */
export interface ParsedReference extends Omit<Reference, "domain"> {
  domain?: string;
}

export const DOCKER_DOMAIN = "docker.io";
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN = /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;

function invalid(input: string, why: string): never {
  throw new SkiffError("INVALID_ARGUMENT", `invalid reference "${input}": ${why}`);
}

/** Parses without normalising. Throws SkiffError(INVALID_ARGUMENT) naming what is wrong. */
export function parseReference(input: string): ParsedReference {
  if (input === "") invalid(input, "empty");
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) invalid(input, `bad digest "${digest}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) invalid(input, `bad tag "${tag}"`);
  }
  const parts = rest.split("/");
  let domain: string | undefined;
  const first = parts[0];
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase())) {
    domain = parts.shift()!;
    if (!DOMAIN.test(domain)) invalid(input, `bad registry "${domain}"`);
  }
  if (parts.length === 0 || parts.some((p) => p === "")) invalid(input, "empty path component");
  for (const p of parts) {
    if (!COMPONENT.test(p)) invalid(input, p !== p.toLowerCase() ? "repository names must be lowercase" : `bad path component "${p}"`);
  }
  const path = parts.join("/");
  if (!domain && /^[a-f0-9]{64}$/.test(path)) invalid(input, "a 64-character hexadecimal string is an ID, not a name");
  if ((domain ? domain.length + 1 : 0) + path.length > 255) invalid(input, "name longer than 255 characters");
  return { domain, path, tag, digest };
}

/** Puts a parsed reference on a registry: docker.io gets "library/" for one-component names. */
export function qualify(ref: ParsedReference, domain: string): Reference {
  const d = domain === "index.docker.io" ? DOCKER_DOMAIN : domain;
  const path = d === DOCKER_DOMAIN && !ref.path.includes("/") ? `library/${ref.path}` : ref.path;
  const tag = ref.tag ?? (ref.digest ? undefined : "latest");
  return { domain: d, path, ...(tag ? { tag } : {}), ...(ref.digest ? { digest: ref.digest } : {}) };
}

/**
 * The references to try for what the user typed: a qualified name is itself; a short name is tried
 * on each unqualified-search registry in order (never through an interactive prompt).
 */
export function candidates(input: string, searchRegistries: string[]): Reference[] {
  const ref = parseReference(input);
  if (ref.domain) return [qualify(ref, ref.domain)];
  if (searchRegistries.length === 0) {
    throw new SkiffError("INVALID_ARGUMENT", `short name "${input}" needs a registry`, {
      hint: "write the full name (e.g. docker.io/library/alpine) or set registries.unqualified_search in skiff.toml",
    });
  }
  return searchRegistries.map((r) => qualify(ref, r));
}

/** "docker.io/library/alpine:latest", "localhost:5000/a@sha256:…". */
export function formatReference(ref: Reference): string {
  return `${ref.domain}/${ref.path}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** "docker.io/library/alpine" */
export function repositoryOf(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}
