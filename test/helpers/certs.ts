/** A test CA and a server certificate for 127.0.0.1 and localhost, made with openssl. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCerts { dir: string; ca: string; cert: string; key: string; clientCert: string; clientKey: string }

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), "skiff-certs-"));
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=skiff test CA", "-keyout", "ca.key", "-out", "ca.crt"]);
  run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"]);
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.crt"]);
  run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=skiff test client", "-keyout", "client.key", "-out", "client.csr"]);
  run(["x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-out", "client.cert"]);
  return { dir, ca: join(dir, "ca.crt"), cert: join(dir, "server.crt"), key: join(dir, "server.key"), clientCert: join(dir, "client.cert"), clientKey: join(dir, "client.key") };
}
