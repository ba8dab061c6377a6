/**
 * A registry's CA certificates from certs.d directories, as podman and docker lay them out:
 * <dir>/<host[:port]>/*.crt. --cert-dir names one directory holding the *.crt files directly.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../../errors.js";

function crtFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".crt")).sort().map((f) => readFileSync(join(dir, f), "utf8"));
  } catch (err) {
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return [];
    throw err;
  }
}

/** PEM CA certificates for `registry` ("host:port"). */
export function registryCAs(registry: string, certsDirs: string[], certDir?: string): string[] {
  if (certDir) return crtFiles(certDir);
  return certsDirs.flatMap((d) => crtFiles(join(d, registry)));
}

/** A client certificate for `registry`: the first <name>.cert with a <name>.key beside it. */
export function registryClientCert(registry: string, certsDirs: string[], certDir?: string): { cert: string; key: string } | undefined {
  for (const dir of certDir ? [certDir] : certsDirs.map((d) => join(d, registry))) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") continue;
      throw err;
    }
    const cert = names.filter((f) => f.endsWith(".cert")).sort().find((f) => names.includes(f.replace(/\.cert$/, ".key")));
    if (cert) return { cert: readFileSync(join(dir, cert), "utf8"), key: readFileSync(join(dir, cert.replace(/\.cert$/, ".key")), "utf8") };
  }
  return undefined;
}
