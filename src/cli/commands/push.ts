/**
 * `push IMAGE [DESTINATION]`: to a registry (docker://REF or a plain reference; without a
 * destination, the image's own name), or to oci:DIR[:REF], oci-archive:FILE[:REF],
 * docker-archive:FILE[:REF]. Progress on stderr as podman prints it; --digestfile gets the digest.
 */
import { closeSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { SkiffError, errnoCode } from "../../errors.js";
import { findImage, listImages, type ImageRecord } from "../../image/images.js";
import { findList } from "../../image/manifest-list.js";
import { checkCompression, pushImage, type PushOptions } from "../../image/push.js";
import { parseReference, qualify, type Reference } from "../../image/reference.js";
import { registryCAs, registryClientCert } from "../../image/registry/certs.js";
import { plainHttpMemo } from "../../image/registry/plain-http.js";
import { createProgress } from "../../output/progress.js";
import { writeAllSync } from "../../util/write.js";
import type { Context } from "../context.js";
import type { Handler } from "../table/types.js";
import { storeOf } from "./image-context.js";
import { pullCredentials } from "./login.js";
import { pullCreds } from "./creds.js";

type Destination = { kind: "registry"; ref: Reference } | { kind: "oci" | "oci-archive" | "docker-archive"; path: string; ref?: string };

function registryRef(text: string): Reference {
  let parsed;
  try {
    parsed = parseReference(text);
  } catch (err) {
    throw new SkiffError("INVALID_ARGUMENT", `invalid destination ${text}: ${err instanceof SkiffError ? err.message : "invalid reference format"}`);
  }
  if (!parsed.domain) throw new SkiffError("INVALID_ARGUMENT", `${text}: give the registry (e.g. localhost:5000/${text})`, { hint: "push to docker.io/USER/NAME for Docker Hub" });
  return qualify(parsed, parsed.domain);
}

/** DESTINATION as podman reads it: a transport prefix, or a registry reference. */
export function parseDestination(text: string): Destination {
  const m = /^(oci|oci-archive|docker-archive|docker):(.*)$/.exec(text);
  if (!m) return { kind: "registry", ref: registryRef(text) };
  if (m[1] === "docker") return { kind: "registry", ref: registryRef(m[2].replace(/^\/\//, "")) };
  const [path, ...rest] = m[2].split(":");
  if (!path) throw new SkiffError("INVALID_ARGUMENT", `${text}: no path`);
  return { kind: m[1] as "oci", path, ref: rest.length ? rest.join(":") : undefined };
}

function atomicFile(path: string, write: (fd: number) => Promise<void>): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, "wx", 0o644);
  } catch (err) {
    throw new SkiffError("FAILED_PRECONDITION", `cannot write ${path}: ${errnoCode(err) ?? err}`);
  }
  return write(fd).then(() => { closeSync(fd); renameSync(tmp, path); }, (err) => { closeSync(fd); rmSync(tmp, { force: true }); throw err; });
}

/** The push settings of the flags and the config file for a registry destination. */
export function pushOptions(ctx: Context, ref: Reference, opts: Record<string, unknown>, mountFrom: string[] = []): PushOptions {
  const registry = ref.domain;
  const quiet = opts.quiet === true;
  return {
    store: storeOf(ctx),
    insecure: ctx.config.registries.insecure.includes(registry) || opts.tlsVerify === false,
    ca: registryCAs(registry, ctx.config.registries.certsDirs, opts.certDir as string | undefined),
    clientCert: registryClientCert(registry, ctx.config.registries.certsDirs, opts.certDir as string | undefined),
    plainHttp: plainHttpMemo(ctx.runroot),
    // read once: a password on stdin is not there for a second round
    credentials: pullCreds(ctx, opts) ?? pullCredentials(ctx, opts.authfile as string | undefined, registry, ref.path),
    format: opts.format === "oci" ? "oci" : opts.format === "v2s2" || opts.format === "docker" ? "v2s2" : undefined,
    compression: checkCompression(opts.compressionFormat as string | undefined),
    forceCompression: opts.forceCompression === true,
    retries: 2,
    timeoutSeconds: ctx.config.registries.timeout,
    mountFrom,
    progress: createProgress(ctx.stderr, { quiet, columns: Number(ctx.env.COLUMNS) || undefined }),
    say: (line) => { if (!quiet) ctx.stderr.write(`${line}\n`); },
    log: ctx.log,
  };
}

async function toRegistry(ctx: Context, image: ImageRecord, ref: Reference, opts: Record<string, unknown>): Promise<string> {
  const retries = typeof opts.retry === "number" ? opts.retry : 3;
  const delayMs = 2000;
  const mountFrom = image.names.map((n) => parseReference(n)).filter((r) => r.domain === ref.domain).map((r) => r.path);
  const o = pushOptions(ctx, ref, opts, mountFrom);
  for (let attempt = 0; ; attempt++) {
    try {
      return await pushImage(image, ref, o);
    } catch (err) {
      // a whole push again: what reached the registry is skipped by the HEADs of the next round
      if (!(err instanceof SkiffError) || err.code !== "UNAVAILABLE" || attempt >= retries) throw err;
      ctx.log.warn(`push failed (${err.message}); retrying in ${(delayMs * 2 ** attempt) / 1000} s`);
      await new Promise((r) => setTimeout(r, delayMs * 2 ** attempt));
    }
  }
}

export const push: Handler = async ({ ctx, args, opts }) => {
  const store = storeOf(ctx);
  const image = findImage(store, args[0], ctx.config.registries.unqualifiedSearch, listImages(store));
  if (!image) {
    // a manifest list is pushed with its images, as `manifest push` does
    if (findList(store, args[0])) {
      const { push: pushManifest } = await import("./manifest.js");
      return pushManifest({ ctx, args, opts, rest: [] });
    }
    throw new SkiffError("NOT_FOUND", `${args[0]}: image not known`);
  }
  if (typeof opts.signBy === "string") throw new SkiffError("NOT_IMPLEMENTED", "--sign-by: skiff does not sign images");
  const dest = parseDestination(args[1] ?? (image.names.find((n) => n.startsWith(args[0])) ?? image.names[0] ?? args[0]));
  let digest: string;
  if (dest.kind === "registry") {
    digest = await toRegistry(ctx, image, dest.ref, opts);
  } else if (dest.kind === "oci") {
    const { exportToLayout } = await import("../../image/layout-export.js");
    digest = exportToLayout(store, image, dest.path, dest.ref);
  } else {
    const { saveImages } = await import("../../image/save.js");
    const named = { ...image, names: dest.ref ? [dest.ref] : image.names };
    await atomicFile(dest.path, (fd) => saveImages(store, [named], dest.kind as "oci-archive", (b) => writeAllSync(fd, b)));
    digest = image.manifestDigest;
  }
  if (typeof opts.digestfile === "string") writeFileSync(opts.digestfile, digest);
};
