import { plainHttpMemo } from "../../image/registry/plain-http.js";
import { pull as pullImage, type PulledImage } from "../../image/pull.js";
import type { Context } from "../context.js";
import { createProgress } from "../../output/progress.js";
import { getSys } from "../../sys/index.js";
import type { Handler } from "../table/types.js";
import { platformOf, storeOf } from "./image-context.js";
import { pullCredentials } from "./login.js";
import { registryCAs, registryClientCert } from "../../image/registry/certs.js";
import { pullCreds } from "./creds.js";

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
    plainHttp: plainHttpMemo(ctx.runroot),
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
