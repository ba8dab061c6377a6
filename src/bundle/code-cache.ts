/**
 * Where the bundle's V8 code cache lives, and whether a cache file may be used: it is bytecode this
 * process will run, so only a file of the user's own, in a directory of the user's own that no one
 * else can write, ever is (never a shared /tmp path another user could plant).
 */
export interface OwnedStat { uid: number; mode: number }

/**
 * The cache file for this runtime version, bundle and `role`, or undefined without a home to keep it
 * in. The shim has a cache of its own: a cache holds every function the run that made it compiled,
 * and a shim that loaded a command's functions would keep them for the container's life.
 */
export function codeCachePath(env: NodeJS.ProcessEnv, nodeVersion: string, bundleId: string, role: "cli" | "shim"): { dir: string; file: string } | undefined {
  const base = env.XDG_CACHE_HOME?.startsWith("/") ? env.XDG_CACHE_HOME : env.HOME?.startsWith("/") ? `${env.HOME}/.cache` : undefined;
  if (!base) return undefined;
  const dir = `${base}/skiff`;
  return { dir, file: `${dir}/bundle-${bundleId}-node-${nodeVersion.replace(/[^\w.]/g, "")}-${role}.v8cache` };
}

/** True if `st` (a file or its directory) belongs to `uid` and only its owner may write it. */
export function trusted(st: OwnedStat | undefined, uid: number): boolean {
  return st !== undefined && st.uid === uid && (st.mode & 0o022) === 0;
}
