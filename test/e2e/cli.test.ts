import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { COMMANDS } from "../../src/cli/table/index.js";
import { VERSION } from "../../src/version.js";
const require = createRequire(import.meta.url);
import { LAUNCHERS, isolatedEnv, skiff } from "../helpers/skiff.js";

describe("skiff as users run it", () => {
  for (const launcher of Object.keys(LAUNCHERS)) {
    it(`--version works from the ${launcher === "compiled" ? "compiled executable" : `bundle on ${launcher}`}`, () => {
      const r = skiff(["--version"], { launcher });
      assert.deepEqual(r, { code: 0, stdout: `skiff version ${VERSION}\n`, stderr: "" });
    });

    it(`version --format json names the ${launcher} runtime and runc`, () => {
      const r = skiff(["version", "--format", "json"], { launcher });
      assert.equal(r.code, 0, r.stderr);
      const v = JSON.parse(r.stdout);
      assert.equal(v.Client.Version, VERSION);
      assert.match(v.Client.JsRuntime, new RegExp(`^${launcher === "compiled" ? "bun" : launcher} \\d+\\.\\d+`));
      assert.equal(v.Client.OciRuntimeSpec, "1.3.0");
      assert.equal(v.OciRuntime.Name, "runc");
      assert.match(v.OciRuntime.Path, /\/runc$/);
      assert.match(v.OciRuntime.Version, /^\d+\.\d+/);
    });
  }

  it("--help lists every command", () => {
    const r = skiff(["--help"]);
    assert.equal(r.code, 0);
    for (const c of COMMANDS.filter((x) => !x.hidden)) assert.match(r.stdout, new RegExp(`^  ${c.name} +\\S`, "m"), c.name);
  });

  it("every command has --help", () => {
    for (const c of COMMANDS.filter((x) => !x.hidden)) {
      const r = skiff([...c.name.split(" "), "--help"]);
      assert.equal(r.code, 0, c.name);
      assert.match(r.stdout, new RegExp(`Usage:\\n  skiff ${c.name}`), c.name);
    }
  });

  it("fails on bad input with one line on stderr and exit 125", () => {
    const cases: [string[], RegExp][] = [
      [["frobnicate"], /^Error: unknown command "frobnicate" for "skiff"/],
      [["ps", "--frobnicate"], /^Error: unknown flag: --frobnicate/],
      [["pull"], /^Error: "skiff pull" requires IMAGE/],
      [["run", "--memory"], /^Error: flag needs an argument: --memory/],
      [["image"], /^Error: missing command for "skiff image"/],
      [["network", "connect", "a", "b"], /^Error: unable to find network with name or ID a: network not found/],
      [["--storage-driver", "zfs", "info"], /^Error: invalid value "zfs" for --storage-driver/],
    ];
    for (const [args, want] of cases) {
      const r = skiff(args);
      assert.equal(r.code, 125, args.join(" "));
      assert.equal(r.stdout, "", args.join(" "));
      assert.match(r.stderr, want, args.join(" "));
      assert.equal(r.stderr.split("\n").length, 2, `one line: ${JSON.stringify(r.stderr)}`);
    }
  });

  it("info reports storage, runtime, cgroups and CNI, as JSON and through a template", () => {
    const env = isolatedEnv();
    const r = skiff(["info", "--format", "json"], { env });
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    // podman's json keys
    assert.equal(info.store.graphRoot, env.SKIFF_ROOT);
    assert.equal(info.store.runRoot, env.SKIFF_RUNROOT);
    assert.equal(info.store.graphDriverName, "overlay");
    assert.equal(info.host.ociRuntimeFound, true);
    assert.equal(info.host.security.rootless, process.getuid?.() !== 0);
    assert.ok(["v1", "v2"].includes(info.host.cgroupVersion));
    assert.equal(typeof info.host.overlaySupported, "boolean");
    assert.equal(info.host.distribution.distribution, "debian");
    assert.equal(info.host.logDriver, "k8s-file");
    assert.ok(info.host.cni.plugins.includes("bridge"), "Debian's containernetworking-plugins are found");
    // and podman's Go names in templates
    assert.equal(skiff(["info", "--format", "{{.Host.Distribution.Distribution}} {{.Host.LogDriver}} {{.Host.CgroupsVersion}} {{.Store.ContainerStore.Number}}"], { env }).stdout, `debian k8s-file ${info.host.cgroupVersion} 0\n`);
    const t = skiff(["--root", "/elsewhere", "info", "--format", "{{.Store.GraphRoot}} {{.Host.OCIRuntime.Name}}"], { env });
    assert.deepEqual(t, { code: 0, stdout: "/elsewhere runc\n", stderr: "" });
  });

  it("ignores .env and bunfig.toml in the working directory (they would set its environment)", () => {
    const env = isolatedEnv();
    const fs = require("node:fs") as typeof import("node:fs");
    const dir = fs.mkdtempSync(`${env.SKIFF_ROOT}-cwd`);
    fs.writeFileSync(`${dir}/.env`, `SKIFF_ROOT=${dir}/planted\nPATH=${dir}\n`);
    fs.writeFileSync(`${dir}/bunfig.toml`, 'preload = ["./planted.ts"]\n');
    fs.writeFileSync(`${dir}/planted.ts`, 'console.log("planted");\n');
    const r = skiff(["info", "--format", "{{.Store.GraphRoot}} {{.Host.OciRuntimeFound}}"], { env, cwd: dir });
    assert.deepEqual(r, { code: 0, stdout: `${env.SKIFF_ROOT} true\n`, stderr: "" });
  });

  it("reads the runtime and registries from the config file", () => {
    const env = isolatedEnv();
    require("node:fs").writeFileSync(env.SKIFF_CONFIG!, '[engine]\nruntime = "crun"\n[registries]\ninsecure = ["127.0.0.1:5000"]\n');
    const r = skiff(["info", "--format", "{{.Host.OCIRuntime.Name}} {{json .Registries.Insecure}}"], { env });
    assert.deepEqual(r, { code: 0, stdout: 'crun ["127.0.0.1:5000"]\n', stderr: "" });
    const flag = skiff(["--runtime", "runc", "info", "--format", "{{.Host.OCIRuntime.Name}}"], { env });
    assert.equal(flag.stdout, "runc\n");
  });

  it("prints completion scripts", () => {
    const r = skiff(["completion", "bash"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /complete -F _skiff skiff/);
    assert.equal(skiff(["completion", "tcsh"]).code, 125);
  });

  it("never colours output with NO_COLOR or off a terminal", () => {
    const r = skiff(["frobnicate"], { env: isolatedEnv({ FORCE_COLOR: "1", NO_COLOR: "1" }) });
    assert.doesNotMatch(r.stderr, /\x1b\[/);
    const forced = skiff(["frobnicate"], { env: isolatedEnv({ FORCE_COLOR: "1" }) });
    assert.match(forced.stderr, /\x1b\[31mError:/);
  });

  it("keeps stdout clean when a pipe closes early", () => {
    const r = require("node:child_process").spawnSync("bash", ["-c", `'${LAUNCHERS.compiled[0]}' --help | head -1; echo "rc=\${PIPESTATUS[0]}"`], { encoding: "utf8" });
    assert.match(r.stdout, /^skiff: a daemonless container manager\nrc=0\n$/);
    assert.equal(r.stderr, "");
  });
});
