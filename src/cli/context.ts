/**
 * What every command gets: resolved global options, the config file, a logger and the output
 * streams. The composition root: the only place that turns flags + env + config into settings.
 */
import { SkiffError } from "../errors.js";
import { storeDriverOf } from "../config/store-driver.js";
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

export function createContext(flags: GlobalFlags, io: ContextIO): Context {
  const config = loadConfig(io.env);
  const levelName = flags.logLevel ?? config.logLevel;
  const logLevel = parseLogLevel(levelName);
  // podman's words and exit status 1 (scripts check them)
  if (!logLevel) throw new SkiffError("INVALID_ARGUMENT", `Log Level "${levelName}" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic`, { exitCode: 1 });
  // "" in the config: not said (the default config says none), left to the store
  const driver = flags.storageDriver ?? (config.storageDriver || undefined);
  if (driver !== undefined && driver !== "overlay" && driver !== "vfs") {
    throw new SkiffError("INVALID_ARGUMENT", `invalid storage driver "${driver}"`, { hint: "use overlay or vfs" });
  }
  // inside the rootless namespace the process is root; its paths and choices are the user's
  const uid = outerIds(io.env)?.uid ?? io.uid;
  const paths = resolvePaths(flags, config, io.env, uid);
  const store = storeDriverOf(paths.root, driver, uid !== 0);
  const log = createLogger(logLevel, io.stderr);
  if (store.why) log.debug(`storage driver vfs for a new store: ${store.why}`);
  return {
    ...paths,
    plainStore: store.plain,
    runtime: flags.runtime ?? config.runtime,
    storageDriver: store.driver,
    logLevel,
    rootless: uid !== 0,
    config,
    log,
    env: io.env,
    stdout: io.stdout,
    stderr: io.stderr,
  };
}
