/**
 * A fake registry for the failure cases a real one will not produce (resets, 500s, 429s, corrupt
 * bytes, lying digests, redirects to another host). Serves one image; every request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { TestImage } from "./image.js";

export interface Fault {
  /** Which requests: a substring of the path. */
  match: string;
  /** How many matching requests to spoil (then behave). */
  times: number;
  kind: "status500" | "status429" | "reset-midway" | "corrupt" | "wrong-digest-header" | "redirect-elsewhere";
}

export interface FakeRegistry {
  host: string;
  requests: { method: string; path: string; range?: string; authorization?: string; host?: string }[];
  stop(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r((server.address() as { port: number }).port)));
}

/** With `basicAuth`, every /v2/ request without credentials gets a Basic challenge. */
export async function startFakeRegistry(repo: string, tag: string, image: TestImage, faults: Fault[], basicAuth = false): Promise<FakeRegistry> {
  const requests: FakeRegistry["requests"] = [];
  const blobs = new Map([...image.layers, image.config].map((b) => [b.digest, b.data]));
  // a second server on another port stands for a CDN: it serves blobs and records auth headers
  const cdn = createServer((req, res) => {
    requests.push({ method: req.method!, path: `cdn:${req.url}`, authorization: req.headers.authorization, host: req.headers.host });
    const data = blobs.get(req.url!.split("/").pop()!);
    if (!data) return void res.writeHead(404).end();
    res.writeHead(200, { "content-length": data.length }).end(data);
  });
  const cdnPort = await listen(cdn);
  const spoil = (path: string) => {
    const f = faults.find((x) => path.includes(x.match) && x.times > 0);
    if (f) f.times--;
    return f?.kind;
  };
  const send = (req: IncomingMessage, res: ServerResponse, data: Buffer, headers: Record<string, string>) => {
    const fault = spoil(req.url!);
    if (fault === "status500") return void res.writeHead(500).end("boom");
    if (fault === "status429") return void res.writeHead(429, { "retry-after": "0" }).end();
    if (fault === "redirect-elsewhere") return void res.writeHead(307, { location: `http://localhost:${cdnPort}/blobs/${req.url!.split("/").pop()}` }).end();
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const body = fault === "corrupt" ? Buffer.alloc(data.length, 0x41) : data.subarray(start);
    const h: Record<string, string | number> = { ...headers, "content-length": body.length };
    if (fault === "wrong-digest-header") h["docker-content-digest"] = `sha256:${"0".repeat(64)}`;
    if (range) h["content-range"] = `bytes ${start}-${data.length - 1}/${data.length}`;
    res.writeHead(range ? 206 : 200, h);
    if (fault === "reset-midway") {
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    res.end(body);
  };
  const server = createServer((req, res) => {
    requests.push({ method: req.method!, path: req.url!, range: req.headers.range, authorization: req.headers.authorization });
    const url = req.url!;
    if (basicAuth && !req.headers.authorization) return void res.writeHead(401, { "www-authenticate": 'Basic realm="fake"' }).end();
    if (url === "/v2/") return void res.writeHead(200).end("{}");
    if (url === `/v2/${repo}/manifests/${tag}` || url === `/v2/${repo}/manifests/${image.manifest.digest}`) {
      return send(req, res, image.manifest.data, { "content-type": image.manifest.mediaType, "docker-content-digest": image.manifest.digest });
    }
    const m = new RegExp(`^/v2/${repo}/blobs/(sha256:[0-9a-f]{64})$`).exec(url);
    const data = m && blobs.get(m[1]);
    if (data) return send(req, res, data, { "content-type": "application/octet-stream" });
    res.writeHead(404).end();
  });
  const port = await listen(server);
  return {
    host: `127.0.0.1:${port}`,
    requests,
    stop: async () => {
      await new Promise((r) => server.close(r));
      await new Promise((r) => cdn.close(r));
    },
  };
}
