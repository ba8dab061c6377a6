/**
 * A registry that attacks: it never answers, stalls half way, streams a manifest or a token without
 * end, sends a 100 MB manifest that is valid JSON, points its token realm at local files, answers
 * tokens that are not JSON or redirect in a loop. A real registry cannot be made to do this, so
 * this small server does. Each pull ends within its time budget with one line, reads nothing
 * local, and stores nothing; the store keeps working for other images.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isolatedEnv, requiresRoot, skiffAsync } from "../helpers/skiff.js";

type Behaviour = (req: IncomingMessage, res: ServerResponse, base: string) => void;

let server: Server;
let base = "";
const routes = new Map<string, Behaviour>();
const open = new Set<ServerResponse>();

/** Streams `chunk` forever (until the client goes away). */
function endless(res: ServerResponse, chunk: string) {
  const data = Buffer.from(chunk.repeat(4096));
  const pump = () => {
    while (!res.destroyed && res.write(data));
    if (!res.destroyed) res.once("drain", pump);
  };
  pump();
}

const challenge = (realm: string) => (_: IncomingMessage, res: ServerResponse) =>
  void res.writeHead(401, { "www-authenticate": `Bearer realm="${realm}",service="x",scope="repository:r:pull"` }).end();

describe("a hostile registry", () => {
  before(async () => {
    server = createServer((req, res) => {
      open.add(res);
      res.on("close", () => open.delete(res));
      const name = /^\/v2\/([^/]+)\//.exec(req.url ?? "")?.[1] ?? "";
      const tokenRoute = /^\/token\/([^/?]+)/.exec(req.url ?? "")?.[1];
      const behave = routes.get(tokenRoute ? `token:${tokenRoute}` : name);
      if (req.url === "/v2/" || !behave) return void res.writeHead(200, { "content-type": "application/json" }).end("{}");
      behave(req, res, base);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `127.0.0.1:${(server.address() as { port: number }).port}`;
    routes.set("silent", () => undefined); // never a header
    routes.set("stall", (_, res) => { res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json", "content-length": "5000" }); res.write('{"schemaVersion":2,'); });
    routes.set("endless", (_, res) => { res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" }); res.write('{"a":"'); endless(res, "x"); });
    routes.set("huge", (_, res) => {
      // valid JSON of 100 MB, announced honestly
      const pad = 100 * 1024 * 1024;
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json", "content-length": String(pad + 40) });
      res.write('{"schemaVersion":2,"pad":"');
      endless(res, "y");
    });
    routes.set("file-realm", challenge("file:///etc/passwd"));
    routes.set("bad-realm", challenge("::not a url::"));
    routes.set("token-endless", (_, res, b) => challenge(`http://${b}/token/endless`)(_, res));
    routes.set("token:endless", (_, res) => { res.writeHead(200, { "content-type": "application/json" }); res.write('{"token":"'); endless(res, "t"); });
    routes.set("token-html", (_, res, b) => challenge(`http://${b}/token/html`)(_, res));
    routes.set("token:html", (_, res) => void res.writeHead(200, { "content-type": "text/html" }).end("<html>root:x:0:0</html>"));
    routes.set("token-loop", (_, res, b) => challenge(`http://${b}/token/loop`)(_, res));
    routes.set("token:loop", (req, res) => void res.writeHead(302, { location: req.url }).end());
    routes.set("token-stall", (_, res, b) => challenge(`http://${b}/token/stall`)(_, res));
    routes.set("token:stall", () => undefined);
  });
  after(async () => {
    for (const res of open) res.destroy();
    await new Promise((r) => server.close(r));
  });

  /** Pulls NAME with a 2-second timeout; returns the result and how long it took. */
  async function pull(name: string) {
    const env = isolatedEnv();
    writeFileSync(env.SKIFF_CONFIG!, "[registries]\ntimeout = 2\n");
    const started = Date.now();
    const r = await skiffAsync(["pull", "-q", `${base}/${name}:v1`], { env, timeoutMs: 60000 });
    return { r, ms: Date.now() - started, env };
  }

  function failsCleanly(r: { code: number; stderr: string }, pattern: RegExp) {
    assert.equal(r.code, 125, r.stderr);
    assert.match(r.stderr, /^Error: [^\n]+\n$/, "one line");
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.match(r.stderr, pattern);
  }

  for (const [name, pattern] of [["silent", /no data from the registry for 2 s/], ["stall", /no data from the registry for 2 s/], ["token-stall", /token.*no data from the registry for 2 s/]] as const) {
    it(`gives up on a registry that ${name === "silent" ? "never answers" : name === "stall" ? "stalls half way" : "never answers for a token"}, within its timeout`, async (t) => {
      if (!requiresRoot(t)) return;
      const { r, ms } = await pull(name);
      failsCleanly(r, pattern);
      assert.ok(ms < 30000, `took ${ms} ms with a 2 s timeout`);
    });
  }

  it("stops reading an endless manifest, and a 100 MB one, storing nothing", async (t) => {
    if (!requiresRoot(t)) return;
    for (const name of ["endless", "huge"]) {
      const { r, ms, env } = await pull(name);
      failsCleanly(r, /larger than 4194304 bytes/);
      assert.ok(ms < 30000, `${name} took ${ms} ms`);
      const blobs = join(env.SKIFF_ROOT!, "blobs", "sha256");
      assert.deepEqual(readdirSync(blobs, { withFileTypes: true }).length, 0, "no blob stored");
      const images = await skiffAsync(["images", "-q"], { env });
      assert.equal(images.code, 0, images.stderr);
    }
  });

  it("never fetches a token realm that is not http(s), and shows nothing of a local file", async (t) => {
    if (!requiresRoot(t)) return;
    const { r } = await pull("file-realm");
    failsCleanly(r, /realm/);
    assert.doesNotMatch(r.stderr, /root|bin\/bash/);
    failsCleanly((await pull("bad-realm")).r, /realm/);
  });

  it("ends an endless, a non-JSON, a looping and a stalled token answer with one line", async (t) => {
    if (!requiresRoot(t)) return;
    failsCleanly((await pull("token-endless")).r, /larger than 1048576 bytes/);
    const html = (await pull("token-html")).r;
    failsCleanly(html, /token/);
    assert.doesNotMatch(html.stderr, /root:x/);
    failsCleanly((await pull("token-loop")).r, /redirect/i);
  });
});
