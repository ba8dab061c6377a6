/**
 * A token issuer for registry Bearer auth tests (distribution's token.md): a loopback HTTP server
 * that checks Basic credentials and returns RS256 JWTs whose x5c certificate the registry trusts
 * through `rootcertbundle`. Records every request so tests can check what clients sent.
 */
import { execFileSync } from "node:child_process";
import { createSign, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  rootcertbundle: string;
  requests: { scope: string[]; authorization?: string }[];
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

export async function startTokenServer(users: Record<string, string>): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), "skiff-token-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=skiff-test-issuer", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
  const key = readFileSync(join(dir, "key.pem"), "utf8");
  const der = execFileSync("openssl", ["x509", "-in", join(dir, "cert.pem"), "-outform", "DER"]);
  const service = "skiff-test-registry";
  const issuer = "skiff-test-issuer";
  const requests: TokenServer["requests"] = [];

  const sign = (sub: string, access: unknown[]) => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: "JWT", alg: "RS256", x5c: [der.toString("base64")] }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }));
    const signature = createSign("RSA-SHA256").update(`${header}.${claims}`).sign(key);
    return `${header}.${claims}.${b64url(signature)}`;
  };

  const user = (req: IncomingMessage): string | undefined => {
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
    if (!m) return undefined;
    const [name, ...rest] = Buffer.from(m[1], "base64").toString().split(":");
    return users[name] !== undefined && users[name] === rest.join(":") ? name : undefined;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const scope = url.searchParams.getAll("scope");
    requests.push({ scope, authorization: req.headers.authorization });
    if (req.headers.authorization && !user(req)) {
      res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const who = user(req);
    // only known users get pull access; anonymous gets a token without access
    const access = who ? scope.map((s) => { const [type, ...r] = s.split(":"); const actions = r.pop()!; return { type, name: r.join(":"), actions: actions.split(",") }; }) : [];
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: sign(who ?? "", access), expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootcertbundle: join(dir, "cert.pem"),
    requests,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
