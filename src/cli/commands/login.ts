import { readFileSync } from "node:fs";
import { plainHttpMemo } from "../../image/registry/plain-http.js";
import { ExitError, SkiffError, isSkiffError } from "../../errors.js";
import { createRegistryClient } from "../../image/registry/client.js";
import { findCredentials, readAuthPaths, removeCredentials, storeCredentials, writeAuthPath } from "../../image/registry/auth-file.js";
import type { Context } from "../context.js";
import { registryCAs, registryClientCert } from "../../image/registry/certs.js";
import type { Handler } from "../table/types.js";

const uidOf = () => (typeof process.getuid === "function" ? process.getuid() : 0);

/** "docker.io" for Docker Hub aliases; a URL or a host with a path is reduced to its host. */
function registryArg(ctx: Context, arg: string | undefined): string {
  const value = arg ?? ctx.config.registries.unqualifiedSearch[0];
  if (!value) throw new SkiffError("INVALID_ARGUMENT", "name the registry to log in to");
  const host = value.replace(/^https?:\/\//, "").split("/")[0];
  return ["index.docker.io", "registry-1.docker.io"].includes(host) ? "docker.io" : host;
}

export const login: Handler = async ({ ctx, args, opts }) => {
  const registry = registryArg(ctx, args[0]);
  const authfile = writeAuthPath(ctx.env, uidOf(), opts.authfile as string | undefined);
  if (opts.getLogin) {
    const c = findCredentials(readAuthPaths(ctx.env, uidOf(), opts.authfile as string | undefined), registry);
    if (!c) throw new SkiffError("NOT_FOUND", `not logged into ${registry}`);
    return `${c.username}\n`;
  }
  const username = opts.username as string | undefined;
  let password = opts.password as string | undefined;
  if (opts.passwordStdin) {
    if (password) throw new SkiffError("INVALID_ARGUMENT", "--password and --password-stdin cannot be used together");
    password = readFileSync(0, "utf8").replace(/\r?\n$/, "");
  } else if (password !== undefined) {
    ctx.stderr.write("WARNING! Using --password via the command line is insecure; use --password-stdin\n");
  }
  if (!username || !password) {
    throw new SkiffError("INVALID_ARGUMENT", "login needs --username and a password", { hint: "skiff never prompts: use -u USER --password-stdin" });
  }
  // only what the registry accepts is stored
  const client = createRegistryClient({
    registry,
    insecure: opts.tlsVerify === false || ctx.config.registries.insecure.includes(registry),
    ca: registryCAs(registry, ctx.config.registries.certsDirs, opts.certDir as string | undefined),
    clientCert: registryClientCert(registry, ctx.config.registries.certsDirs, opts.certDir as string | undefined),
    credentials: { username, password },
    log: ctx.log,
    plainHttp: plainHttpMemo(ctx.runroot),
  });
  try {
    await client.ping();
  } catch (err) {
    if (isSkiffError(err, "PERMISSION_DENIED")) throw new SkiffError("PERMISSION_DENIED", `log in to ${registry}: invalid username or password`);
    throw err;
  }
  storeCredentials(authfile, registry, { username, password });
  return "Login Succeeded!\n";
};

export const logout: Handler = async ({ ctx, args, opts }) => {
  const authfile = writeAuthPath(ctx.env, uidOf(), opts.authfile as string | undefined);
  if (opts.all) {
    removeCredentials(authfile, undefined);
    return "Removed login credentials for all registries\n";
  }
  const registry = registryArg(ctx, args[0]);
  if (!removeCredentials(authfile, registry)) {
    ctx.stderr.write(`Error: not logged into ${registry}\n`);
    throw new ExitError(125);
  }
  return `Removed login credentials for ${registry}\n`;
};

/** Credentials for a pull: --creds, else the auth files (--authfile replaces them). */
export function pullCredentials(ctx: Context, authfile: string | undefined, registry: string, repo: string) {
  return findCredentials(readAuthPaths(ctx.env, uidOf(), authfile), registry, repo);
}

