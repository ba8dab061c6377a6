/**
 * The JSON scripts read: every key path podman 4.3 prints, with podman's type, must be in skiff's
 * output for the same objects (container inspect of a running container with a port, a volume, env
 * and a label; ps --format json; image, volume and network inspect; info; version). Map keys that
 * are data (label names, the network's name, annotations) are compared by shape, not by name.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sk } from "../helpers/containers.js";
import { sideBySide, type Podman } from "../helpers/podman.js";
import { requiresRoot } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
let env: NodeJS.ProcessEnv;
let podman: Podman;

type Shape = Map<string, string>;

/** Key paths and their JSON types; arrays through their first element, data-named keys as "*". */
function shape(value: unknown, dataKeys: RegExp, path = "", out: Shape = new Map()): Shape {
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  out.set(path || ".", type);
  if (Array.isArray(value) && value.length) shape(value[0], dataKeys, `${path}[]`, out);
  else if (type === "object") {
    for (const [k, v] of Object.entries(value as object)) shape(v, dataKeys, dataKeys.test(path) ? `${path}.*` : `${path}.${k}`, out);
  }
  return out;
}

/** What podman has that skiff lacks, and where the types differ (null on either side is a type podman also uses). */
function compare(p: unknown, s: unknown, dataKeys: RegExp): { missing: string[]; types: string[] } {
  const a = shape(p, dataKeys), b = shape(s, dataKeys);
  const missing = [...a.keys()].filter((k) => !b.has(k) && ![...b.keys()].some((x) => x.startsWith(`${k}.`) || x.startsWith(`${k}[]`)));
  const types = [...a].filter(([k, t]) => b.has(k) && b.get(k) !== t && t !== "null" && b.get(k) !== "null").map(([k, t]) => `${k}: podman ${t}, skiff ${b.get(k)}`);
  return { missing, types };
}

const DATA = /\.(Labels|Annotations|Networks|Ports|PortBindings|Options|Volumes|ExposedPorts|labels|options|registries|plugins|\.Tmpfs)$/;

describe("JSON key paths and types, as podman's", () => {
  before(() => {
    if (!isRoot) return;
    ({ env, podman } = sideBySide());
    // each its own host port: podman holds the one it publishes, and skiff refuses a taken one
    const args = (port: number) => ["run", "-d", "--name", "shape", "-p", `${port}:80`, "-v", "shapevol:/data", "-e", "A=1", "--label", "l=v", "bb", "sleep", "300"];
    assert.equal(podman.run(args(18091)).code, 0);
    const r = sk(env, args(18092));
    assert.equal(r.code, 0, r.stderr);
    for (const run of [(a: string[]) => podman.run(a), (a: string[]) => sk(env, a)]) {
      assert.equal(run(["network", "create", "shapenet"]).code, 0);
      assert.equal(run(["run", "--name", "shape-exited", "bb", "true"]).code, 0);
    }
  });
  after(() => {
    if (!isRoot) return;
    sk(env, ["rm", "-f", "-t", "0", "shape", "shape-exited"]);
    sk(env, ["network", "rm", "shapenet"]);
    podman.dispose();
  });

  const kinds: [string, string[], boolean][] = [
    ["container inspect", ["inspect", "shape"], true],
    ["ps --format json", ["ps", "-a", "--format", "json"], true],
    ["images --format json", ["images", "--format", "json"], true],
    ["inspect of an exited container", ["inspect", "shape-exited"], true],
    ["image inspect", ["image", "inspect", "bb"], false],
    ["volume inspect", ["volume", "inspect", "shapevol"], true],
    ["network inspect", ["network", "inspect", "shapenet"], true],
    ["version", ["version", "--format", "json"], true],
  ];
  for (const [what, args, complete] of kinds) {
    it(what, (t) => {
      if (!requiresRoot(t)) return;
      const one = (text: string) => { const v = JSON.parse(text); return Array.isArray(v) ? v[0] : v; };
      const p = one(podman.run(args).stdout);
      const s = one(sk(env, args).stdout);
      const { missing, types } = compare(p, s, DATA);
      assert.deepEqual(types, [], `${what}: types differ`);
      if (complete) assert.deepEqual(missing, [], `${what}: podman's keys skiff lacks`);
      else assert.ok(missing.length < 20, `${what}: ${missing.length} of podman's keys missing: ${missing.join(" ")}`);
    });
  }

  // Go templates over the same objects: what podman's struct prints, also for fields that are empty
  const templates: [string, string[]][] = [
    ["container", ["inspect", "--format", "{{.State.Health}}|{{.Config.Healthcheck}}|{{.Config.Labels}}|{{.HostConfig.Tmpfs}}|{{.Config.Volumes}}|{{.HostConfig.RestartPolicy.Name}}|{{.Config.StopSignal}}|{{.Config.Entrypoint}}|{{.HostConfig.PortBindings}}|{{len .Mounts}}|{{.HostConfig.LogConfig.Config}}|{{.State.Status}}|{{.Config.Labels.l}}", "shape"]],
    ["image", ["image", "inspect", "--format", "{{.Config.User}}|{{.Labels}}|{{len .ID}}|{{len .RepoTags}}", "bb"]],
    ["images", ["images", "--format", "{{.Labels}}|{{len .ID}}"]],
    ["history", ["history", "--format", "{{len .ID}}", "bb"]],
    ["info", ["info", "--format", "{{.Host.Distribution}}|{{.Host.LogDriver}}|{{.Host.Arch}}|{{.Host.OCIRuntime.Name}}|{{.Store.GraphDriverName}}|{{.Host.CgroupsVersion}}"]],
    ["ps", ["ps", "--format", "{{.State}}|{{.Status}}|{{.Names}}|{{.Ports}}|{{.Labels}}"]],
    ["ps -l", ["ps", "-l", "--format", "{{.Names}}"]],
    ["network inspect", ["network", "inspect", "--format", "{{.Name}}|{{.Driver}}|{{.DNSEnabled}}|{{.Internal}}|{{len .Subnets}}", "shapenet"]],
    ["exited container's command and aliases", ["inspect", "--format", "{{.Path}}|{{.Args}}|{{range .NetworkSettings.Networks}}{{len .Aliases}}{{end}}", "shape-exited"]],
  ];
  for (const [what, args] of templates) {
    it(`templates: ${what}`, (t) => {
      if (!requiresRoot(t)) return;
      const p = podman.run(args), s = sk(env, args);
      assert.equal(s.code, p.code, s.stderr);
      const when = (x: string) => x.split("\n")[0].replace(/(Up|\)) [^|]*? ago/g, "$1 T ago").replace(/1809[12]/g, "PORT");
      assert.equal(when(s.stdout), when(p.stdout));
    });
  }
});
