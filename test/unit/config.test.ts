import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_CONFIG, configPaths, loadConfig, mergeConfig, parseConfigText } from "../../src/config/config.js";
import { resolvePaths } from "../../src/config/paths.js";
import { SkiffError } from "../../src/errors.js";

const FULL = `
[engine]
runtime = "crun"
log_level = "debug"
[storage]
driver = "vfs"
root = "/data/skiff"
[registries]
unqualified_search = ["registry.local:5000", "docker.io"]
insecure = ["registry.local:5000"]
[registries.mirrors]
"docker.io" = ["mirror.local:5000"]
[logs]
max_size = "10m"
max_file = 3
`;

describe("config file", () => {
  it("reads every setting", () => {
    const c = mergeConfig(DEFAULT_CONFIG, parseConfigText(FULL, "/etc/skiff/skiff.toml"));
    assert.equal(c.runtime, "crun");
    assert.equal(c.logLevel, "debug");
    assert.equal(c.storageDriver, "vfs");
    assert.equal(c.root, "/data/skiff");
    assert.deepEqual(c.registries.unqualifiedSearch, ["registry.local:5000", "docker.io"]);
    assert.deepEqual(c.registries.insecure, ["registry.local:5000"]);
    assert.deepEqual(c.registries.mirrors, { "docker.io": ["mirror.local:5000"] });
    assert.deepEqual(c.logs, { driver: "k8s-file", maxSize: "10m", maxFile: 3 });
    assert.deepEqual(c.sources, ["/etc/skiff/skiff.toml"]);
  });

  it("lets the user file override the system file key by key", () => {
    const sys = parseConfigText(FULL, "/etc/skiff/skiff.toml");
    const user = parseConfigText('[registries]\ninsecure = []\n[engine]\nruntime = "runc"\n', "~/.config/skiff/skiff.toml");
    const c = mergeConfig(mergeConfig(DEFAULT_CONFIG, sys), user);
    assert.equal(c.runtime, "runc");
    assert.equal(c.storageDriver, "vfs");
    assert.deepEqual(c.registries.insecure, []);
    assert.deepEqual(c.registries.unqualifiedSearch, ["registry.local:5000", "docker.io"]);
  });

  it("names the file and key on bad input", () => {
    assert.throws(() => parseConfigText("[engine\n", "/x.toml"), (e: unknown) => e instanceof SkiffError && /^read config \/x\.toml: /.test(e.message) && !e.message.includes("\n"));
    assert.throws(() => parseConfigText("[registries]\ninsecure = \"a\"\n", "/x.toml"), /registries\.insecure must be a list of strings/);
    assert.throws(() => parseConfigText("engine = 3\n", "/x.toml"), /engine must be a table/);
  });

  it("reads SKIFF_CONFIG alone when set, and fails when it is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-config-"));
    const file = join(dir, "c.toml");
    writeFileSync(file, '[engine]\nruntime = "youki"\n');
    assert.deepEqual(configPaths({ SKIFF_CONFIG: file }), [file]);
    assert.equal(loadConfig({ SKIFF_CONFIG: file }).runtime, "youki");
    assert.throws(() => loadConfig({ SKIFF_CONFIG: join(dir, "absent.toml") }), /read config .*absent\.toml: ENOENT/);
  });

  it("uses XDG_CONFIG_HOME for the user file", () => {
    assert.deepEqual(configPaths({ XDG_CONFIG_HOME: "/cfg", HOME: "/home/u" }), ["/etc/skiff/skiff.toml", "/cfg/skiff/skiff.toml"]);
    assert.deepEqual(configPaths({ HOME: "/home/u" }), ["/etc/skiff/skiff.toml", "/home/u/.config/skiff/skiff.toml"]);
  });
});

describe("store paths", () => {
  it("prefers flag, then env, then config, then the default", () => {
    const env = { SKIFF_ROOT: "/env/root", SKIFF_RUNROOT: "/env/run" };
    assert.deepEqual(resolvePaths({ root: "/flag" }, { root: "/cfg", runroot: "/cfgrun" }, env, 0), { root: "/flag", runroot: "/env/run" });
    assert.deepEqual(resolvePaths({}, { root: "/cfg" }, {}, 0), { root: "/cfg", runroot: "/run/skiff" });
    assert.deepEqual(resolvePaths({}, {}, {}, 0), { root: "/var/lib/skiff", runroot: "/run/skiff" });
  });

  it("uses XDG directories when rootless", () => {
    assert.deepEqual(resolvePaths({}, {}, { HOME: "/home/u", XDG_RUNTIME_DIR: "/run/user/1000" }, 1000), {
      root: "/home/u/.local/share/skiff",
      runroot: "/run/user/1000/skiff",
    });
    assert.equal(resolvePaths({}, {}, { HOME: "/h", XDG_DATA_HOME: "/d" }, 1000).root, "/d/skiff");
  });
});

describe("storage driver", () => {
  it("a vfs store stays vfs, an existing store takes what is asked, a new one on an overlayfs is vfs", async () => {
    const { chooseDriver } = await import("../../src/config/store-driver.js");
    const none = { exists: false };
    assert.deepEqual(chooseDriver(undefined, none, "/s"), { driver: "overlay", plain: false });
    assert.deepEqual(chooseDriver("vfs", none, "/s"), { driver: "vfs", plain: true }, "a new store made with vfs keeps blobs only");
    assert.deepEqual(chooseDriver(undefined, { exists: false, overlayRefused: "on an overlayfs" }, "/s"), { driver: "vfs", plain: true });
    assert.deepEqual(chooseDriver("overlay", { exists: false, overlayRefused: "on an overlayfs" }, "/s"), { driver: "overlay", plain: false }, "asked for: tried");
    assert.deepEqual(chooseDriver("vfs", { exists: true }, "/s"), { driver: "vfs", plain: false }, "an overlay store's snapshots stay; vfs containers copy its blobs");
    assert.deepEqual(chooseDriver(undefined, { recorded: "vfs", exists: true }, "/s"), { driver: "vfs", plain: true });
    assert.throws(() => chooseDriver("overlay", { recorded: "vfs", exists: true }, "/s"), /the store at \/s was made with the vfs driver/);
  });

  it("says why overlayfs cannot serve a new store: an overlayfs under it, no overlayfs in the kernel, rootless before 5.11", async () => {
    const { overlayRefusal, OVERLAYFS_MAGIC } = await import("../../src/config/store-driver.js");
    const host = { fsType: 0xef53, filesystems: "nodev\tproc\n\text4\nnodev\toverlay\n", moduleFile: false, kernel: "6.1.0-18-amd64", rootless: true };
    assert.equal(overlayRefusal(host), undefined);
    assert.equal(overlayRefusal({ ...host, fsType: OVERLAYFS_MAGIC }), "the store's file system is an overlayfs");
    assert.equal(overlayRefusal({ ...host, filesystems: "nodev\tproc\n\text4\n" }), "the kernel has no overlayfs");
    assert.equal(overlayRefusal({ ...host, filesystems: "nodev\tproc\n", moduleFile: true }), undefined, "a module not loaded yet is loaded by the mount");
    assert.equal(overlayRefusal({ ...host, kernel: "5.10.0-28-amd64" }), "rootless overlayfs needs Linux 5.11 (this is 5.10.0-28-amd64)");
    assert.equal(overlayRefusal({ ...host, kernel: "5.10.0-28-amd64", rootless: false }), undefined);
    assert.equal(overlayRefusal({ ...host, kernel: "5.11.0" }), undefined);
    assert.equal(overlayRefusal({ ...host, fsType: undefined }), undefined, "no statfs: not taken for an overlayfs");
  });
});
