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
