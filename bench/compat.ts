/**
 * The headline counts of "runs what podman runs": the standard checks of server images
 * (compat/server-checks.txt) and everyday command lines (compat/command-lines.txt), each run through
 * podman 4.3 and skiff on the same input, counted side by side. As root, after `npm run build`:
 *   node --import tsx bench/compat.ts [--verbose] [--checks|--lines] [SUBSTRING]
 * SUBSTRING keeps the checks and lines that contain it; --verbose prints what each engine said
 * (for JSON, the key paths skiff lacks); --checks or --lines runs only that half.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, isolatedEnv, REPO } from "../test/helpers/skiff.js";
import { isolatedPodman } from "../test/helpers/podman.js";
import { serverRootfsTar } from "../test/helpers/server-image.js";
import { jsonShape, normalise } from "./compat/compare.js";

type Engine = "podman" | "skiff";
const args = process.argv.slice(2);
const verbose = args.includes("--verbose");
const half = args.includes("--checks") ? "checks" : args.includes("--lines") ? "lines" : "both";
const only = args.find((a) => !a.startsWith("--")) ?? "";
const work = mkdtempSync(join(tmpdir(), "skiff-compat-"));
const podman = isolatedPodman();
const skiffEnv = isolatedEnv();

/** A directory holding `E`, the engine as an executable (so `timeout E …` works in a snippet). */
function engineBin(engine: Engine): { path: string; env: NodeJS.ProcessEnv } {
  const dir = join(work, `bin-${engine}`);
  mkdirSync(dir);
  const argv = engine === "podman" ? podman.argv : [BIN];
  writeFileSync(join(dir, "E"), `#!/bin/sh\nexec ${argv.map((a) => `'${a}'`).join(" ")} "$@"\n`);
  chmodSync(join(dir, "E"), 0o755);
  const env = engine === "podman" ? podman.env : skiffEnv;
  return { path: dir, env: { ...env, PATH: `${dir}:${process.env.PATH}` } };
}
const engines: Record<Engine, NodeJS.ProcessEnv> = { podman: engineBin("podman").env, skiff: engineBin("skiff").env };

const PRELUDE = `get() { for _ in $(seq 50); do curl -sf --max-time 2 "$1" && return 0; sleep 0.2; done; return 1; }\n`;

function sh(engine: Engine, script: string, extra: NodeJS.ProcessEnv = {}, timeoutMs = 60000) {
  const r = spawnSync("bash", ["-c", PRELUDE + script], { env: { ...engines[engine], ...extra }, encoding: "utf8", timeout: timeoutMs, cwd: work });
  return { code: r.status ?? 137, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function must(engine: Engine, script: string): void {
  const r = sh(engine, script, {}, 180000);
  if (r.code !== 0) throw new Error(`${engine}: ${script}: ${r.stderr.trim()}`);
}

/** The server images: the Debian minbase with nginx set up as the official image, and a user app. */
function serverImages(): void {
  const tar = serverRootfsTar(work);
  const images: Record<string, string[]> = {
    web: ['CMD ["nginx", "-g", "daemon off;"]', "EXPOSE 80", "STOPSIGNAL SIGQUIT"],
    app: ["USER app", 'CMD ["id"]', "WORKDIR /home/app", "ENV APP_MODE=prod"],
    drop: ['ENTRYPOINT ["/docker-entrypoint.sh"]', 'CMD ["id", "-un"]', "VOLUME /data"],
    deb: ['CMD ["bash"]'],
  };
  for (const [name, changes] of Object.entries(images)) {
    const c = changes.map((x) => `--change '${x}'`).join(" ");
    for (const engine of ["podman", "skiff"] as const) must(engine, `E import -q ${c} ${tar} ${name} >/dev/null`);
  }
}

/** Image bb (busybox with every applet and a user app) and the state the command lines start from. */
async function commandState(): Promise<Record<Engine, number>> {
  const root = join(work, "bb");
  mkdirSync(join(root, "bin"), { recursive: true });
  mkdirSync(join(root, "etc"));
  copyFileSync("/bin/busybox", join(root, "bin/busybox"));
  const applets = spawnSync("/bin/busybox", ["--list"], { encoding: "utf8" }).stdout.split("\n").filter((a) => a && a !== "busybox");
  for (const a of applets) symlinkSync("busybox", join(root, "bin", a));
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\napp:x:1000:\n");
  spawnSync("tar", ["-C", root, "-cf", join(work, "bb.tar"), "."]);
  const ports = { podman: await freePort(), skiff: await freePort() };
  for (const engine of ["podman", "skiff"] as const) {
    must(engine, `E import -q --change 'CMD ["sh"]' ${join(work, "bb.tar")} bb >/dev/null
      E run -d --name c1 --label a=b -p 127.0.0.1:${ports[engine]}:80 bb sleep 1000 >/dev/null
      E run --name c2 bb true && E volume create v1 >/dev/null && E network create n1 >/dev/null`);
  }
  return ports;
}

function lines(file: string): string[] {
  return readFileSync(join(REPO, "bench", "compat", file), "utf8").split("\n").filter((l) => l.trim() && !l.startsWith("#") && l.includes(only));
}

const clean = "E rm -a -f -t 0 >/dev/null 2>&1; E volume rm -a -f >/dev/null 2>&1; E network rm -f wn >/dev/null 2>&1; true";

async function serverChecks(): Promise<void> {
  const checks = lines("server-checks.txt").map((l) => l.split("\t") as [string, string]);
  const passed: Record<Engine, number> = { podman: 0, skiff: 0 };
  const failed: string[] = [];
  for (const [name, snippet] of checks) {
    const ok: Record<string, boolean> = {};
    for (const engine of ["podman", "skiff"] as const) {
      const hostdir = mkdtempSync(join(work, "host-"));
      const r = sh(engine, snippet, { PORT: String(await freePort()), HOSTDIR: hostdir });
      sh(engine, clean);
      ok[engine] = r.code === 0;
      if (ok[engine]) passed[engine]++;
      if (verbose && !ok[engine]) console.log(`  ${engine} failed ${name}: ${r.code} ${r.stderr.trim().split("\n").slice(-2).join(" | ")}`);
    }
    if (!ok.skiff) failed.push(`${name}${ok.podman ? "" : " (podman fails too)"}`);
  }
  console.log(`server-image checks: podman passes ${passed.podman} of ${checks.length}, skiff ${passed.skiff}`);
  for (const f of failed) console.log(`  skiff fails: ${f}`);
}

function commandLines(ports: Record<Engine, number>): void {
  const all = lines("command-lines.txt");
  const differ: string[] = [];
  for (const line of all) {
    const json = line.startsWith("json ");
    const script = json ? line.slice(5) : line;
    const seen = (["podman", "skiff"] as const).map((engine) => {
      const r = sh(engine, script);
      const out = json ? jsonShape(r.stdout) : normalise(r.stdout, String(ports[engine]));
      return { code: r.code, out, stderr: r.stderr };
    });
    const [p, s] = seen;
    const lacking = json ? p.out.split("\n").filter((k) => !s.out.split("\n").includes(k)) : [];
    const same = p.code === s.code && (json ? lacking.length === 0 : p.out === s.out);
    if (!same) {
      differ.push(`${script}: exit ${p.code} vs ${s.code}`);
      if (verbose && json) console.log(`--- ${script}\nskiff lacks:\n${lacking.join("\n")}\n${s.stderr}`);
      else if (verbose) console.log(`--- ${script}\npodman ${p.code}: ${p.out}${p.stderr}skiff ${s.code}: ${s.out}${s.stderr}`);
    }
  }
  console.log(`command lines: ${all.length - differ.length} of ${all.length} behave the same`);
  for (const d of differ) console.log(`  differs: ${d}`);
}

try {
  if (half !== "checks") {
    const ports = await commandState();
    commandLines(ports);
    for (const engine of ["podman", "skiff"] as const) sh(engine, clean + "; E network rm -f n1 >/dev/null 2>&1; true");
  }
  if (half !== "lines") {
    serverImages();
    await serverChecks();
  }
} finally {
  podman.dispose();
  rmSync(work, { recursive: true, force: true });
}
