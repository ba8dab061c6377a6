/**
 * TLS settings for fetch differ per runtime: Bun takes `tls: { ca, rejectUnauthorized }` per
 * request; Deno takes extra CAs through an HTTP client (and skips verification only process-wide);
 * Node's fetch takes neither. Where a runtime cannot do what is asked, say so instead of
 * silently verifying against the wrong roots. node:tls is loaded only for a registry's own CA: in
 * a Bun executable loading it costs every push and pull start-up time.
 */
import { SkiffError } from "../errors.js";
import { jsRuntime } from "../runtime-info.js";
import { builtin } from "../util/builtin.js";

export interface TlsSettings {
  /** Extra CA certificates (PEM), trusted besides the system's. */
  ca: string[];
  /** false: accept any certificate (--tls-verify=false, insecure registries). */
  verify: boolean;
  /** A client certificate and key (PEM) for registries that ask for one. */
  client?: { cert: string; key: string };
}

declare const Deno: { createHttpClient(o: { caCerts: string[]; cert?: string; key?: string }): unknown };

function unsupported(what: string): never {
  throw new SkiffError("NOT_IMPLEMENTED", `${what} is not possible on ${jsRuntime()}`, { hint: "use the compiled skiff executable, or run dist/skiff.js with Bun" });
}

/** Extra fetch() options carrying `tls`, or {} when the defaults do. */
export function tlsFetchOptions(tls: TlsSettings): Record<string, unknown> {
  if (tls.ca.length === 0 && tls.verify && !tls.client) return {};
  switch (jsRuntime()) {
    case "bun":
      return { tls: { ...(tls.ca.length ? { ca: [...builtin<typeof import("node:tls")>("node:tls").rootCertificates, ...tls.ca] } : {}), ...(tls.client ?? {}), rejectUnauthorized: tls.verify } };
    case "deno":
      if (!tls.verify) unsupported("skipping TLS verification for one registry");
      return { client: Deno.createHttpClient({ caCerts: tls.ca, ...(tls.client ?? {}) }) };
    default:
      return unsupported(!tls.verify ? "skipping TLS verification for one registry" : tls.client ? "a TLS client certificate" : "trusting a registry's own CA");
  }
}

/** A certificate problem (not a connection problem): worth a hint, never a retry. */
export function isCertificateError(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const text = `${e?.code ?? ""} ${e?.cause?.code ?? ""} ${e?.message ?? ""}`;
  return /CERT|VERIFY|SELF_SIGNED|certificate/i.test(text);
}
