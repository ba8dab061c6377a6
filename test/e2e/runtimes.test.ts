/**
 * The runtime matrix (issue #16): every everyday command on the compiled executable and on the
 * bundle under each JavaScript runtime: Node (the one running the tests), Debian 12's own Node 18
 * (scripts/lib/node18.sh puts it in /opt/skiff-node18), Bun and Deno.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildImage } from "../helpers/image.js";
import { pushImage, startRegistry, type Registry } from "../helpers/registry.js";
import { shellQuote } from "../../src/util/shell-quote.js";
import { BUNDLE, LAUNCHERS, isolatedEnv, requiresRoot, skiff, type Result } from "../helpers/skiff.js";

const NODE18 = process.env.SKIFF_NODE18 ?? "/opt/skiff-node18/node";
const launchers: Record<string, string[]> = { ...LAUNCHERS, node18: [NODE18, BUNDLE] };

/** skiff under `launcher` (with Node 18 too, which LAUNCHERS does not name). */
const run = (launcher: string, env: NodeJS.ProcessEnv, args: string[], input = ""): Result => skiff(args, { env, input, timeoutMs: 60000, launch: launchers[launcher] });

/**
 * `args` on a pseudo-terminal of 33x91 made by script(1); resized to 50x120 after three seconds,
 * then `input` typed a second later.
 */
function underTerminal(launcher: string, env: NodeJS.ProcessEnv, args: string[], input: string): Result {
  const cmd = [...launchers[launcher], ...args].map(shellQuote).join(" ");
  const inner = `stty rows 33 cols 91; (sleep 3; stty rows 50 cols 120 </dev/tty) & ${cmd}`;
  const r = spawnSync("bash", ["-c", `(sleep 4; printf "$INPUT"; sleep 1) | script -qec "$INNER" /dev/null`], { env: { ...env, INNER: inner, INPUT: input }, encoding: "utf8", timeout: 60000 });
  return { code: r.status ?? 137, stdout: r.stdout, stderr: r.stderr };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("runtime matrix", () => {
  let reg: Registry;
  before(async () => {
    if (process.getuid?.() !== 0) return;
    reg = await startRegistry();
    await pushImage(reg, "matrix/busybox", "latest", buildImage({ cmd: ["sh"] }));
  });
  after(async () => { await reg?.stop(); });

  for (const [i, launcher] of Object.keys(launchers).entries()) {
    it(`works on ${launcher === "compiled" ? "the compiled executable" : `the bundle on ${launcher}`}`, async (t) => {
      if (!requiresRoot(t)) return;
      if (launcher === "node18" && !existsSync(NODE18)) {
        // CI's set-up installs it: there a missing Node 18 is a failure, not a skip
        assert.ok(!process.env.CI, `${NODE18} is missing: scripts/setup.sh makes it`);
        t.skip(`${NODE18} missing (scripts/setup.sh makes it)`);
        return;
      }
      const env = isolatedEnv();
      const sk = (args: string[], input = "") => run(launcher, env, args, input);
      const ok = (args: string[], input = "") => {
        const r = sk(args, input);
        assert.equal(r.code, 0, `${launcher}: skiff ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
      };
      const image = `${reg.host}/matrix/busybox`;

      assert.match(ok(["--version"]), /^skiff version \d/);
      assert.equal(typeof JSON.parse(ok(["info", "--format", "json"])).host, "object");
      assert.match(ok(["pull", "-q", image]), /^[0-9a-f]{64}\n$/);
      assert.match(ok(["images", "--format", "{{.Repository}}:{{.Tag}}"]), new RegExp(`^${image}:latest$`, "m"));

      const rm = sk(["run", "--rm", image, "sh", "-c", "echo out; echo err >&2; exit 3"]);
      assert.deepEqual([rm.code, rm.stdout, rm.stderr], [3, "out\n", "err\n"], launcher);
      assert.equal(ok(["run", "--rm", "-i", image, "wc", "-c"], "twelve bytes").trim(), "12");

      const tty = underTerminal(launcher, env, ["run", "-it", "--rm", image, "sh", "-c", "tty; sleep 0.5; stty size; read x; stty size; echo got:$x; exit 4"], "typed\\r");
      assert.equal(tty.code, 4, `${launcher}: run -it: ${tty.stdout}${tty.stderr}`);
      // the caller's size at the start, and the new one after the caller's terminal was resized
      assert.match(tty.stdout, /\/dev\/pts\/\d+\r+\n33 91\r+\n/, launcher);
      assert.match(tty.stdout, /typed\r+\n50 120\r+\ngot:typed\r+\n/, launcher);

      const port = 18400 + i;
      ok(["run", "-d", "--name", "web", "-p", `${port}:80`, "-v", "data:/data", image, "sh", "-c", "echo served > /data/f; echo started; exec httpd -f -p 80 -h /data"]);
      let body = "";
      for (let n = 0; n < 50 && !body; n++) {
        try {
          body = execFileSync("curl", ["-s", "-f", "-m", "2", `http://127.0.0.1:${port}/f`], { encoding: "utf8" });
        } catch {
          await sleep(100);
        }
      }
      assert.equal(body, "served\n", `${launcher}: -p answered by curl`);
      // a detached container's init is its shim's own child, no `runc run` kept beside it (Node:
      // the shim made a subreaper by perl)
      const [pid, shimPid] = ok(["inspect", "--format", "{{.State.Pid}} {{.State.ConmonPid}}", "web"]).trim().split(" ").map(Number);
      const parent = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
      assert.equal(parent, shimPid, `${launcher}: the container's init is the shim's child`);
      assert.equal(ok(["logs", "web"]), "started\n");
      assert.equal(ok(["exec", "web", "cat", "/data/f"]), "served\n");
      ok(["stop", "-t", "2", "web"]);
      assert.equal(ok(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "web"]), "exited 137\n", launcher);
      ok(["rm", "web"]);
      // the named volume outlives its container
      assert.equal(ok(["run", "--rm", "-v", "data:/data", image, "cat", "/data/f"]), "served\n");

      ok(["run", "-d", "--name", "again", "--restart", "on-failure:2", image, "sh", "-c", "sleep 0.2; exit 1"]);
      let restarts = "";
      for (let n = 0; n < 100; n++) {
        restarts = ok(["inspect", "--format", "{{.RestartCount}} {{.State.Status}}", "again"]).trim();
        if (restarts === "2 exited") break;
        await sleep(200);
      }
      // a restart is counted once the container runs again: the count with "exited" is the end
      await sleep(1000);
      assert.equal(ok(["inspect", "--format", "{{.RestartCount}} {{.State.Status}}", "again"]).trim(), restarts, launcher);
      assert.equal(restarts, "2 exited", `${launcher}: on-failure:2 restarts twice, then stays exited`);
      ok(["rm", "again"]);

      const tar = join(env.SKIFF_ROOT!, "..", "saved.tar");
      ok(["save", "-o", tar, image]);
      ok(["rmi", image]);
      assert.match(ok(["load", "-i", tar]), new RegExp(`Loaded image: ${image}:latest`));
      assert.equal(ok(["run", "--rm", image, "echo", "loaded"]), "loaded\n");
      // nothing of the runtime is left running for the environment
      assert.equal(ok(["ps", "-aq"]), "");
    });
  }
});
