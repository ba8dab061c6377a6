/**
 * A registry client for pulls (distribution-spec): challenge-driven auth (Bearer tokens cached per
 * scope, Basic), redirects followed by hand so that Authorization never reaches another host,
 * retries with backoff on 429, 5xx and dropped connections, and blob downloads that resume with
 * Range. Content is verified by the callers (blobs.ts), never here.
 */
import { DEFAULT_TIMEOUT_S, MAX_MANIFEST_BYTES, MAX_TOKEN_BYTES, fetchWithin, readBounded, readWithin } from "./body.js";
import { SkiffError, messageOf } from "../../errors.js";
import type { Logger } from "../../log.js";
import { MANIFEST_ACCEPT } from "../media.js";
import { preferredChallenge } from "./challenge.js";
import { isCertificateError, tlsFetchOptions } from "../../sys/tls.js";
import type { PlainHttpMemo } from "./plain-http.js";

export interface Credentials { username: string; password: string }

export interface RegistryOptions {
  /** Registry as named in references: "docker.io", "localhost:5000". */
  registry: string;
  /** Insecure (configured, or --tls-verify=false): certificates are not checked and plain HTTP is allowed. */
  insecure?: boolean;
  /** Extra CA certificates (PEM) for this registry, from certs.d. */
  ca?: string[];
  /** A client certificate and key (PEM), from certs.d. */
  clientCert?: { cert: string; key: string };
  credentials?: Credentials;
  log?: Logger;
  /** Attempts after the first for transient failures. */
  retries?: number;
  /** Seconds without headers or body bytes before a request is given up (registries.timeout). */
  timeoutSeconds?: number;
  /** Backoff base in ms (tests shorten it). */
  backoffMs?: number;
  /** Registries that answered over plain HTTP before: tried over it first (plain-http.ts). */
  plainHttp?: PlainHttpMemo;
}

export interface Manifest { data: Buffer; mediaType: string; digest?: string }

const MAX_REDIRECTS = 10;

export function registryHost(registry: string): string {
  return registry === "docker.io" ? "registry-1.docker.io" : registry;
}

/** Plain HTTP is a fallback only for loopback registries and insecure ones (as containerd does). */
export function allowsHttp(registry: string, insecure: boolean): boolean {
  return insecure || /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(registryHost(registry));
}

function retryAfterMs(res: Response): number | undefined {
  const v = res.headers.get("retry-after");
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return secs * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The registry's own error (distribution's {"errors":[{code,message}]}) in the line, else the status. */
async function registryError(what: string, res: Response): Promise<SkiffError> {
  let detail = "";
  try {
    const body = JSON.parse((await readBounded(res, 64 << 10, 5000, what)).toString("utf8")) as { errors?: { code?: unknown; message?: unknown }[] };
    const e = body.errors?.[0];
    if (e && typeof e.code === "string") detail = `${e.code}${typeof e.message === "string" && e.message ? `: ${e.message.slice(0, 300)}` : ""}`;
  } catch { /* not JSON */ }
  const base = httpError(what, res);
  return detail ? new SkiffError(base.code, `${base.message}: ${detail}`, { hint: base.hint }) : base;
}

function httpError(what: string, res: Response): SkiffError {
  const code = res.status === 404 ? "NOT_FOUND" : res.status === 401 || res.status === 403 ? "PERMISSION_DENIED" : "UNAVAILABLE";
  const hint = res.status === 401 ? "log in with 'skiff login' or pass --creds" : undefined;
  return new SkiffError(code, `${what}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`, { hint });
}

/** A request of the push protocol: a body made anew for each attempt, the statuses it expects. */
export interface SendOptions {
  method: string;
  /** "repository:NAME:pull,push" (a mount adds the source's pull scope). */
  scope: string;
  headers?: Record<string, string>;
  body?: () => BodyInit;
  /** Statuses the caller handles itself (404 of a HEAD, 202 of a mount that became an upload). */
  accept?: number[];
}

export interface RegistryClient {
  readonly endpoint: string;
  /** One request with auth, redirects and retries (bodies are re-made for each attempt). */
  send(what: string, path: string, o: SendOptions): Promise<Response>;
  /** GET /v2/ with authentication: resolves when the registry accepts us. */
  ping(): Promise<void>;
  getManifest(repo: string, reference: string): Promise<Manifest>;
  /** The blob's bytes; resumes with Range after a dropped connection. */
  getBlob(repo: string, digest: string): AsyncGenerator<Uint8Array>;
}

/**
 * A Bearer challenge's realm, where skiff sends the credentials: https, or http where the registry
 * itself may be plain HTTP; never file: or another scheme (a hostile registry could make skiff read
 * a local file and send it back).
 */
export function tokenRealm(realm: string, allowHttp: boolean, what: string): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new SkiffError("UNAVAILABLE", `${what}: the registry's token realm is not a URL`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && allowHttp)) {
    throw new SkiffError("PERMISSION_DENIED", `${what}: refusing the token realm's scheme ${url.protocol.replace(/:$/, "")}`, { hint: "a realm must be https (http only for an insecure or loopback registry)" });
  }
  return url;
}

export function createRegistryClient(opts: RegistryOptions): RegistryClient {
  const host = registryHost(opts.registry);
  const allowHttp = allowsHttp(opts.registry, Boolean(opts.insecure));
  let tlsOptions: Record<string, unknown> = {};
  let https = true;
  try {
    tlsOptions = tlsFetchOptions({ ca: opts.ca ?? [], verify: !opts.insecure, client: opts.clientCert });
  } catch (err) {
    // a runtime that cannot do these TLS settings may still reach an insecure registry over HTTP
    if (!allowHttp) throw err;
    https = false;
  }
  // a registry remembered as plain HTTP is asked over it first, until it fails there once
  let fromMemo = https && allowHttp && opts.plainHttp?.known(host) === true;
  let endpoint = `${https && !fromMemo ? "https" : "http"}://${host}`;
  let learnt = false;
  const origin = host;
  const withTls = (url: URL, init: RequestInit): RequestInit => (url.protocol === "https:" ? { ...init, ...tlsOptions } : init);
  const retries = opts.retries ?? 3;
  const timeoutMs = (opts.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000;
  const backoff = opts.backoffMs ?? 200;
  const tokens = new Map<string, { header: string; expires: number }>();
  const basic = opts.credentials ? `Basic ${Buffer.from(`${opts.credentials.username}:${opts.credentials.password}`).toString("base64")}` : undefined;
  let scheme: "bearer" | "basic" | undefined;

  async function fetchToken(realm: string, service: string | undefined, scope: string): Promise<string> {
    const what = `get a token for ${scope || "the registry"}`;
    const url = tokenRealm(realm, allowHttp, what);
    if (service) url.searchParams.set("service", service);
    // several scopes (a mount needs the source's pull) are several parameters
    for (const one of scope.split(" ").filter(Boolean)) url.searchParams.append("scope", one);
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      // redirects followed here, but only to http(s): fetch refuses other schemes when redirected
      const res = await fetchWithin(url, withTls(url, { headers: basic ? { authorization: basic } : {}, redirect: "follow" }), timeoutMs, what);
      if (!res.ok) throw httpError(`${what} from ${url.host}`, res);
      const text = (await readBounded(res, MAX_TOKEN_BYTES, timeoutMs, `${what} from ${url.host}`)).toString("utf8");
      body = JSON.parse(text) as typeof body;
      if (typeof body !== "object" || body === null) throw new SyntaxError("not an object");
    } catch (err) {
      if (err instanceof SkiffError) throw err;
      throw new SkiffError("UNAVAILABLE", `${what} from ${url.host}: ${err instanceof SyntaxError ? "the answer is not a JSON object" : messageOf(err)}`);
    }
    const token = typeof body.token === "string" ? body.token : typeof body.access_token === "string" ? body.access_token : undefined;
    if (!token) throw new SkiffError("PERMISSION_DENIED", `get a token for ${scope} from ${url.host}: no token in the answer`);
    const expiresIn = typeof body.expires_in === "number" && Number.isFinite(body.expires_in) ? body.expires_in : 60;
    tokens.set(scope, { header: `Bearer ${token}`, expires: Date.now() + Math.max(60, expiresIn) * 1000 - 10000 });
    return `Bearer ${token}`;
  }

  function authFor(scope: string): string | undefined {
    if (scheme === "basic") return basic;
    const t = tokens.get(scope);
    return t && t.expires > Date.now() ? t.header : undefined;
  }

  /** The remembered plain HTTP failed at the registry itself: HTTPS again, and forget it. */
  function staleMemo(url: URL): boolean {
    if (url.protocol !== "http:" || url.host !== origin || !endpoint.startsWith("http:")) return false;
    fromMemo = false;
    endpoint = `https://${host}`;
    opts.plainHttp?.remember(host, false);
    opts.log?.debug(`${opts.registry}: plain HTTP failed; trying HTTPS`);
    return true;
  }

  /** One request with auth, manual redirects and retries; resolves to a 2xx response (or one of `accept`). */
  async function request(what: string, path: string, repo: string | undefined, headers: Record<string, string>, method = "GET", o: { scope?: string; body?: () => BodyInit; accept?: number[] } = {}): Promise<Response> {
    const scope = o.scope ?? (repo === undefined ? "" : `repository:${repo}:pull`);
    let authRetried = false;
    for (let attempt = 0; ; attempt++) {
      let url = new URL(path, endpoint);
      let res: Response;
      try {
        for (let hops = 0; ; hops++) {
          const auth = url.host === origin ? authFor(scope) : undefined;
          const body = o.body?.();
          // a streamed body needs half duplex (Node's fetch insists)
          res = await fetchWithin(url, withTls(url, { method, headers: { ...headers, ...(auth ? { authorization: auth } : {}) }, redirect: "manual", ...(body !== undefined ? { body, duplex: "half" } : {}) } as RequestInit), timeoutMs, what);
          const location = res.headers.get("location");
          if (res.status < 300 || res.status >= 400 || !location) break;
          if (hops >= MAX_REDIRECTS) throw new SkiffError("UNAVAILABLE", `${what}: too many redirects`);
          await res.body?.cancel();
          url = new URL(location, url);
          opts.log?.debug(`${what}: redirected to ${url.host}`);
        }
      } catch (err) {
        if (err instanceof SkiffError) throw err;
        if (fromMemo && staleMemo(url)) {
          attempt--;
          continue;
        }
        if (isCertificateError(err)) {
          throw new SkiffError("FAILED_PRECONDITION", `${what}: TLS: ${messageOf(err)}`, { cause: err, hint: `put the registry's CA in /etc/skiff/certs.d/${opts.registry}/ca.crt, or use --tls-verify=false` });
        }
        // another request (pushes run several) found meanwhile that this registry speaks the other scheme
        if (url.host === origin && !endpoint.startsWith(url.protocol) && !/^https?:/.test(path)) {
          attempt--;
          continue;
        }
        if (url.protocol === "https:" && url.host === origin && allowHttp && endpoint.startsWith("https:")) {
          // no TLS server there: this registry may be reached over plain HTTP
          opts.log?.debug(`${what}: HTTPS failed (${messageOf(err)}); trying HTTP`);
          endpoint = `http://${host}`;
          learnt = true;
          attempt--;
          continue;
        }
        if (attempt >= retries) throw new SkiffError("UNAVAILABLE", `${what}: ${messageOf(err)}`, { cause: err });
        opts.log?.debug(`${what}: ${messageOf(err)}; retrying`);
        await sleep(backoff * 2 ** attempt);
        continue;
      }
      // a TLS server asked in plain HTTP answers 400 without the distribution API's header
      if (fromMemo && res.status === 400 && !res.headers.has("docker-distribution-api-version") && staleMemo(url)) {
        await res.body?.cancel();
        attempt--;
        continue;
      }
      if (learnt && url.protocol === "http:" && url.host === origin) {
        learnt = false;
        opts.plainHttp?.remember(host, true);
      }
      if (res.status === 401 && !authRetried) {
        authRetried = true;
        const challenge = preferredChallenge(res.headers.get("www-authenticate") ? [res.headers.get("www-authenticate")!] : []);
        await res.body?.cancel();
        if (challenge?.scheme === "bearer" && challenge.params.realm) {
          scheme = "bearer";
          await fetchToken(challenge.params.realm, challenge.params.service, scope);
          attempt--;
          continue;
        }
        if (challenge?.scheme === "basic" && basic) {
          scheme = "basic";
          attempt--;
          continue;
        }
        throw httpError(what, res);
      }
      if ((res.status === 429 || res.status >= 500) && attempt < retries) {
        const wait = Math.min(retryAfterMs(res) ?? backoff * 2 ** attempt, 30000);
        opts.log?.debug(`${what}: HTTP ${res.status}; retrying in ${wait} ms`);
        await res.body?.cancel();
        await sleep(wait);
        continue;
      }
      if (o.accept?.includes(res.status)) return res;
      if (!res.ok) throw await registryError(what, res);
      return res;
    }
  }

  return {
    get endpoint() {
      return endpoint;
    },
    send(what, path, o) {
      return request(what, path, undefined, o.headers ?? {}, o.method, { scope: o.scope, body: o.body, accept: o.accept });
    },
    async ping() {
      const res = await request(`log in to ${opts.registry}`, "/v2/", undefined, {});
      await res.body?.cancel();
    },
    async getManifest(repo, reference) {
      const what = `fetch manifest ${opts.registry}/${repo}:${reference}`;
      const res = await request(what, `/v2/${repo}/manifests/${reference}`, repo, { accept: MANIFEST_ACCEPT });
      const data = await readBounded(res, MAX_MANIFEST_BYTES, timeoutMs, what);
      return { data, mediaType: (res.headers.get("content-type") ?? "").split(";")[0].trim(), digest: res.headers.get("docker-content-digest") ?? undefined };
    },
    async *getBlob(repo, digest) {
      const what = `fetch blob ${digest}`;
      let offset = 0;
      for (let attempt = 0; ; attempt++) {
        const res = await request(what, `/v2/${repo}/blobs/${digest}`, repo, offset > 0 ? { range: `bytes=${offset}-` } : {});
        let skip = 0;
        if (offset > 0 && res.status !== 206) skip = offset; // the server ignored Range: drop what we have
        try {
          const reader = res.body!.getReader();
          try {
            for (;;) {
              const next = await readWithin(reader, timeoutMs, what);
              if (next.done) break;
              const chunk = next.value;
              if (skip >= chunk.length) { skip -= chunk.length; continue; }
              const part = skip > 0 ? chunk.subarray(skip) : chunk;
              skip = 0;
              offset += part.length;
              yield part;
            }
          } finally {
            // a consumer that stopped early (or a stall) must not leave the connection open
            void reader.cancel().catch(() => undefined);
          }
          return;
        } catch (err) {
          if (attempt >= retries) throw new SkiffError("UNAVAILABLE", `${what}: ${messageOf(err)}`, { cause: err });
          opts.log?.debug(`${what}: ${messageOf(err)} after ${offset} bytes; resuming`);
          await sleep(backoff * 2 ** attempt);
        }
      }
    },
  };
}
