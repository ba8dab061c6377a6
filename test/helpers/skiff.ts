/** Running the built skiff the way a user does, with an isolated root, runroot and config. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DIST = join(REPO, "dist");
export const BIN = join(DIST, "skiff");
export const BUNDLE = join(DIST, "skiff.js");
export const BUN = join(REPO, "node_modules", ".bin", "bun");
export const DENO = join(REPO, "node_modules", ".bin", "deno");

/** How to start skiff: the compiled executable, or the bundle under a runtime. */
export const LAUNCHERS: Record<string, string[]> = {
  compiled: [BIN],
  node: [process.execPath, BUNDLE],
  bun: [BUN, BUNDLE],
  deno: [DENO, "run", "-A", "--quiet", BUNDLE],
};

export interface Result { code: number; stdout: string; stderr: string }

export interface RunOptions {
  launcher?: keyof typeof LAUNCHERS;
  /** The command that starts skiff, instead of a launcher's (another runtime, an installed copy). */
  launch?: string[];
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  cwd?: string;
}

const environments: string[] = [];

/**
 * When a test file's process ends, its environments go: containers a failed test left running are
 * removed (a leftover busy container skews every later measurement), their network teardowns are
 * awaited, and the directory is deleted, unless something is still mounted under it.
 */
function removeEnvironments(): void {
  for (const dir of environments) {
    const env = { ...process.env, SKIFF_ROOT: join(dir, "root"), SKIFF_RUNROOT: join(dir, "run"), SKIFF_CONFIG: join(dir, "skiff.toml") };
    try {
      if (readdirSync(join(dir, "root", "containers")).length) spawnSync(BIN, ["rm", "-a", "-f", "-t", "0"], { env, stdio: "ignore", timeout: 60000 });
    } catch { /* no containers */ }
    for (const deadline = Date.now() + 15000; Date.now() < deadline;) {
      let left: string[] = [];
      try {
        left = readdirSync(join(dir, "run", "networks"));
      } catch { /* none */ }
      if (left.length === 0) break;
      spawnSync("sleep", ["0.1"]);
    }
    if (readFileSync("/proc/mounts", "utf8").includes(dir)) continue;
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}
process.on("exit", removeEnvironments);

/** A fresh, empty skiff environment: its own root, runroot and (empty) config file. */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), "skiff-test-"));
  environments.push(dir);
  const config = join(dir, "skiff.toml");
  writeFileSync(config, "");
  const { FORCE_COLOR: _forced, NO_COLOR: _none, ...base } = process.env;
  // credentials only from this environment, never the developer's own
  const auth = { REGISTRY_AUTH_FILE: join(dir, "auth.json"), XDG_CONFIG_HOME: join(dir, "config"), DOCKER_CONFIG: join(dir, "docker") };
  return { ...base, SKIFF_ROOT: join(dir, "root"), SKIFF_RUNROOT: join(dir, "run"), SKIFF_CONFIG: config, ...auth, ...extra };
}

export function skiff(args: string[], opts: RunOptions = {}): Result {
  const [cmd, ...pre] = opts.launch ?? LAUNCHERS[opts.launcher ?? "compiled"];
  const r = spawnSync(cmd, [...pre, ...args], {
    env: opts.env ?? isolatedEnv(),
    cwd: opts.cwd,
    input: opts.input ?? "",
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 30000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? 128 + 9, stdout: r.stdout, stderr: r.stderr };
}

/** Like skiff(), without blocking this process: for tests that serve something in-process. */
export function skiffAsync(args: string[], opts: RunOptions = {}): Promise<Result> {
  const [cmd, ...pre] = LAUNCHERS[opts.launcher ?? "compiled"];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { env: opts.env ?? isolatedEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => { stdout += String(d); });
    child.stderr.on("data", (d) => { stderr += String(d); });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal === "SIGKILL" ? 9 : 15), stdout, stderr });
    });
    // a command that exits before reading stdin closes the pipe: EPIPE here is not a failure of the command
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}

/** Skips a test that needs root, saying why, when not root (CI runs as root). */
export function requiresRoot(t: { skip(msg: string): void }): boolean {
  if (process.getuid?.() === 0) return true;
  t.skip("needs root (mount, mknod, runc): run the suite as root");
  return false;
}
