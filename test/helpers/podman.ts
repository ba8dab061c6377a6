/** podman 4.3 beside skiff, for differential tests: its own root, runroot and containers.conf. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, type Result } from "./skiff.js";
import { containerEnv, sk } from "./containers.js";

export const MINBASE = process.env.SKIFF_MINBASE ?? "/var/cache/skiff-test/debian-minbase.tar";

export interface Podman {
  run(args: string[], opts?: { input?: string; timeoutMs?: number }): Result;
  /** podman and its global flags, and the environment to run it in (for a shell pipeline). */
  argv: string[];
  env: NodeJS.ProcessEnv;
  dispose(): void;
}

export function isolatedPodman(): Podman {
  const dir = mkdtempSync(join(tmpdir(), "skiff-podman-"));
  const base = ["--root", join(dir, "root"), "--runroot", join(dir, "run"), "--cgroup-manager", "cgroupfs", "--events-backend", "file"];
  const env = { ...process.env, CONTAINERS_CONF: join(REPO, "bench", "containers.conf") };
  const run = (args: string[], opts: { input?: string; timeoutMs?: number } = {}): Result => {
    const r = spawnSync("podman", [...base, ...args], { encoding: "utf8", env, input: opts.input ?? "", timeout: opts.timeoutMs ?? 60000 });
    return { code: r.status ?? 137, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  };
  return {
    run,
    argv: ["podman", ...base],
    env,
    dispose() {
      run(["rm", "-a", "-f", "-t", "0"]);
      spawnSync("podman", [...base, "system", "reset", "-f"], { env, stdio: "ignore", timeout: 60000 });
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Debian minbase setup.sh makes once; a test that needs it fails with what to run. */
export function minbase(): string {
  if (!existsSync(MINBASE)) throw new Error(`${MINBASE} is missing: run scripts/setup.sh (it makes the Debian minbase with debootstrap)`);
  return MINBASE;
}

/** One command line run by one of the two tools (stdin optional). */
export type Tool = (args: string[], input?: string) => Result;

export interface SideBySide {
  /** skiff's environment, with image "bb" (busybox + user app). */
  env: NodeJS.ProcessEnv;
  podman: Podman;
  tools: Record<"podman" | "skiff", Tool>;
}

/** The setup of a differential test: an isolated skiff and an isolated podman, both with image "bb". */
export function sideBySide(): SideBySide {
  const env = containerEnv();
  const podman = isolatedPodman();
  const r = podman.run(["import", join(env.SKIFF_ROOT!, "..", "bb.tar"), "bb"]);
  if (r.code !== 0) throw new Error(`podman import failed: ${r.stderr}`);
  return { env, podman, tools: { podman: (args, input) => podman.run(args, { input }), skiff: (args, input) => sk(env, args, { input }) } };
}

/** Runs `scenario` with each tool (tagged "p" and "s", for names that must not collide) and returns what each observed. */
export function both<T>(tools: SideBySide["tools"], scenario: (run: Tool, tag: string) => T): { podman: T; skiff: T } {
  return { podman: scenario(tools.podman, "p"), skiff: scenario(tools.skiff, "s") };
}
