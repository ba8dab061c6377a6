/**
 * A real registry for tests: Debian's docker-registry, bound to a free loopback port with its own
 * config and storage in a temp dir, plus a minimal push client for test images.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Blob, TestImage } from "./image.js";

export const REGISTRY_BIN = "/usr/bin/docker-registry";

export interface Registry {
  /** "127.0.0.1:PORT" */
  host: string;
  url: string;
  /** The storage directory (another registry can serve it, e.g. behind auth). */
  storage: string;
  stop(): Promise<void>;
}

export type RegistryAuth =
  | { htpasswd: string }
  | { token: { realm: string; service: string; issuer: string; rootcertbundle: string } };

export interface RegistryOptions {
  auth?: RegistryAuth;
  /** Serve HTTPS with this certificate and key (PEM files); with clientca, demand client certificates. */
  tls?: { certificate: string; key: string; clientca?: string };
  /** Serve this storage directory instead of a new one (it is not removed on stop). */
  storage?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, ms: number, tls = false): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/v2/`);
      if (res.status === 200 || res.status === 401 || (tls && res.status === 400)) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry not ready at ${url} after ${ms} ms`);
}

function authConfig(auth?: RegistryAuth): string[] {
  if (!auth) return [];
  if ("htpasswd" in auth) return ["auth:", "  htpasswd:", "    realm: skiff-test", `    path: ${auth.htpasswd}`];
  const t = auth.token;
  return ["auth:", "  token:", `    realm: ${t.realm}`, `    service: ${t.service}`, `    issuer: ${t.issuer}`, `    rootcertbundle: ${t.rootcertbundle}`];
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "skiff-registry-"));
  const storage = opts.storage ?? join(dir, "data");
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const config = join(dir, "config.yml");
    writeFileSync(
      config,
      [
        "version: 0.1",
        "log:",
        "  level: error",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${storage}`,
        "  delete:",
        "    enabled: true",
        "http:",
        `  addr: ${host}`,
        ...(opts.tls ? ["  tls:", `    certificate: ${opts.tls.certificate}`, `    key: ${opts.tls.key}`] : []),
        ...(opts.tls?.clientca ? ["    clientcas:", `      - ${opts.tls.clientca}`] : []),
        ...authConfig(opts.auth),
        "",
      ].join("\n"),
    );
    const child = spawn(REGISTRY_BIN, ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => { stderr += String(d); });
    const url = `${opts.tls ? "https" : "http"}://${host}`;
    try {
      // a TLS registry answers plain HTTP with 400: enough to know it is listening
      await waitReady(`http://${host}`, child, 10000, Boolean(opts.tls));
    } catch (err) {
      child.kill("SIGKILL");
      if (attempt === 2) throw new Error(`${(err as Error).message}: ${stderr.trim()}`);
      continue;
    }
    return {
      host,
      url,
      storage,
      stop: async () => {
        child.kill("SIGTERM");
        await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw new Error("unreachable");
}

async function pushBlob(url: string, repo: string, b: Blob): Promise<void> {
  const head = await fetch(`${url}/v2/${repo}/blobs/${b.digest}`, { method: "HEAD" });
  if (head.status === 200) return;
  const start = await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  if (start.status !== 202) throw new Error(`start upload: HTTP ${start.status}`);
  const location = new URL(start.headers.get("location")!, url);
  location.searchParams.set("digest", b.digest);
  const put = await fetch(location, { method: "PUT", body: new Uint8Array(b.data), headers: { "content-type": "application/octet-stream" } });
  if (put.status !== 201) throw new Error(`upload ${b.digest}: HTTP ${put.status} ${await put.text()}`);
}

async function putManifest(reg: Registry, repo: string, ref: string, m: Blob): Promise<string> {
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${ref}`, { method: "PUT", body: new Uint8Array(m.data), headers: { "content-type": m.mediaType } });
  if (res.status !== 201) throw new Error(`put manifest: HTTP ${res.status} ${await res.text()}`);
  return res.headers.get("docker-content-digest") ?? m.digest;
}

/** Pushes every image of an index, then the index as `repo:tag`; returns the index digest. */
export async function pushIndex(reg: Registry, repo: string, tag: string, index: Blob, images: TestImage[]): Promise<string> {
  for (const image of images) {
    for (const b of [...image.layers, image.config]) await pushBlob(reg.url, repo, b);
    await putManifest(reg, repo, image.manifest.digest, image.manifest);
  }
  return putManifest(reg, repo, tag, index);
}

/** Pushes the image as `repo:tag` and returns its manifest digest. */
export async function pushImage(reg: Registry, repo: string, tag: string, image: TestImage): Promise<string> {
  for (const b of [...image.layers, image.config]) await pushBlob(reg.url, repo, b);
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${tag}`, {
    method: "PUT",
    body: new Uint8Array(image.manifest.data),
    headers: { "content-type": image.manifest.mediaType },
  });
  if (res.status !== 201) throw new Error(`put manifest: HTTP ${res.status} ${await res.text()}`);
  return res.headers.get("docker-content-digest") ?? image.manifest.digest;
}
