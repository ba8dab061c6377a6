import { SkiffError } from "../../errors.js";
import { pull as pullImage, type PulledImage } from "../../image/pull.js";
import type { Context } from "../context.js";
import { createProgress } from "../../output/progress.js";
import { getSys } from "../../sys/index.js";
import type { Handler } from "../table/types.js";
import { platformOf, storeOf } from "./image-context.js";
import { pullCredentials } from "./login.js";
import { registryCAs, registryClientCert } from "../../image/registry/certs.js";
import { readSmallFile } from "../../util/bounded-file.js";
import { isTerminalFd } from "../../output/stdio.js";
import { readAnswerLine } from "../confirm.js";

function splitCreds(value: string, from: string): { username: string; password: string } {
  const i = value.indexOf(":");
  if (i <= 0 || i === value.length - 1) throw new SkiffError("INVALID_ARGUMENT", `${from} must hold USERNAME:PASSWORD`);
  return { username: value.slice(0, i), password: value.slice(i + 1) };
}

/**
 * --creds USER:PASS (every user of the machine can read it in /proc/PID/cmdline for the whole
 * pull, so it is warned about), --creds USER with the password as one line on stdin, or
 * --creds-file with USER:PASS in a file.
 */
export function pullCreds(ctx: Context, opts: Record<string, unknown>): { username: string; password: string } | undefined {
  if (typeof opts.credsFile === "string") {
    if (typeof opts.creds === "string") throw new SkiffError("INVALID_ARGUMENT", "--creds and --creds-file cannot be used together");
    return splitCreds(readSmallFile(opts.credsFile, "--creds-file", 64 << 10).split("\n")[0].replace(/\r$/, ""), `--creds-file ${opts.credsFile}`);
  }
  if (typeof opts.creds !== "string") return undefined;
  if (opts.creds.includes(":")) {
    ctx.stderr.write("WARNING! --creds USER:PASSWORD is visible to every user in the process list; use --creds USER with the password on stdin, or --creds-file\n");
    return splitCreds(opts.creds, "--creds");
  }
  if (isTerminalFd(0)) throw new SkiffError("INVALID_ARGUMENT", `--creds ${opts.creds}: the password is read from stdin, which is a terminal`, { hint: "pipe it in, or use --creds-file" });
  const password = readAnswerLine(0);
  if (!password) throw new SkiffError("INVALID_ARGUMENT", `--creds ${opts.creds}: no password on stdin`);
  return { username: opts.creds, password: password.replace(/\r$/, "") };
}

export const pull: Handler = async ({ ctx, args, opts }) => {
  const img = await pullFor(ctx, args[0], opts);
  return `${img.id.slice(7)}\n`;
};

/** Pulls `ref` with the registry settings of the config file and the pull flags in `opts` (also run/create's). */
export async function pullFor(ctx: Context, ref: string, opts: Record<string, unknown>): Promise<PulledImage> {
  const { platform, explicit } = platformOf(opts);
  return pullImage(ref, {
    store: storeOf(ctx),
    searchRegistries: ctx.config.registries.unqualifiedSearch,
    insecureRegistries: ctx.config.registries.insecure,
    mirrors: ctx.config.registries.mirrors,
    caFor: (registry) => registryCAs(registry, ctx.config.registries.certsDirs, opts.certDir as string | undefined),
    clientCertFor: (registry) => registryClientCert(registry, ctx.config.registries.certsDirs, opts.certDir as string | undefined),
    platform,
    platformExplicit: explicit,
    credentials: pullCreds(ctx, opts),
    credentialsFor: (registry, repo) => pullCredentials(ctx, opts.authfile as string | undefined, registry, repo),
    tlsVerify: opts.tlsVerify as boolean,
    maxParallel: opts.maxParallel as number,
    retries: opts.retry as number,
    timeoutSeconds: ctx.config.registries.timeout,
    sys: await getSys(),
    log: ctx.log,
    progress: createProgress(ctx.stderr, { quiet: Boolean(opts.quiet), columns: Number(ctx.env.COLUMNS) || undefined }),
    rootless: ctx.rootless,
  });
}
