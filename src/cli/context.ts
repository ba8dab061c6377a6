/**
 * What every command gets: resolved global options, the config file, a logger and the output
 * streams. The composition root: the only place that turns flags + env + config into settings.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import { storeDriverFile } from "../image/store/layout.js";
import { createLogger, parseLogLevel, type Logger, type LogLevel, type OutStream } from "../log.js";
import { loadConfig, type Config } from "../config/config.js";
import { resolvePaths } from "../config/paths.js";
import { outerIds } from "../rootless/userns.js";

export interface Context {
  root: string;
  runroot: string;
  runtime: string;
  storageDriver: "overlay" | "vfs";
  /** The store keeps blobs only, no snapshots (made with vfs: image/store/layout.ts). */
  plainStore: boolean;
  logLevel: LogLevel;
  rootless: boolean;
  config: Config;
  log: Logger;
  env: NodeJS.ProcessEnv;
  stdout: OutStream;
  stderr: OutStream;
}

export interface GlobalFlags {
  root?: string;
  runroot?: string;
  runtime?: string;
  storageDriver?: string;
  logLevel?: string;
}

export interface ContextIO {
  env: NodeJS.ProcessEnv;
  stdout: OutStream;
  stderr: OutStream;
  uid: number;
}

/**
 * The driver a command uses: a plain store (made with vfs, rootless or not) stays vfs; a new store
 * made with vfs becomes plain; an existing overlay store keeps its snapshots while vfs containers
 * copy from its blobs. Asking for overlay on a plain store is refused: it has no layers to mount.
 */
function storeDriverOf(root: string, asked: "overlay" | "vfs", explicit: boolean): { driver: "overlay" | "vfs"; plain: boolean } {
  let recorded = "";
  try {
    recorded = readFileSync(storeDriverFile(root), "utf8").trim();
  } catch { /* an overlay store, or none yet */ }
  if (recorded === "vfs") {
    if (asked === "overlay" && explicit) throw new SkiffError("FAILED_PRECONDITION", `the store at ${root} was made with the vfs driver: it has no overlay layers`, { hint: "use --storage-driver vfs, or another --root for overlay" });
    return { driver: "vfs", plain: true };
  }
  return { driver: asked, plain: asked === "vfs" && !existsSync(join(root, "index.json")) };
}

export function createContext(flags: GlobalFlags, io: ContextIO): Context {
  const config = loadConfig(io.env);
  const levelName = flags.logLevel ?? config.logLevel;
  const logLevel = parseLogLevel(levelName);
  // podman's words and exit status 1 (scripts check them)
  if (!logLevel) throw new SkiffError("INVALID_ARGUMENT", `Log Level "${levelName}" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic`, { exitCode: 1 });
  const driver = flags.storageDriver ?? config.storageDriver;
  if (driver !== "overlay" && driver !== "vfs") {
    throw new SkiffError("INVALID_ARGUMENT", `invalid storage driver "${driver}"`, { hint: "use overlay or vfs" });
  }
  // inside the rootless namespace the process is root; its paths and choices are the user's
  const uid = outerIds(io.env)?.uid ?? io.uid;
  const paths = resolvePaths(flags, config, io.env, uid);
  const store = storeDriverOf(paths.root, driver, flags.storageDriver !== undefined);
  return {
    ...paths,
    plainStore: store.plain,
    runtime: flags.runtime ?? config.runtime,
    storageDriver: store.driver,
    logLevel,
    rootless: uid !== 0,
    config,
    log: createLogger(logLevel, io.stderr),
    env: io.env,
    stdout: io.stdout,
    stderr: io.stderr,
  };
}
