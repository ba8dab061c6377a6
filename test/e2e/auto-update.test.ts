/**
 * auto-update against the tests' registry: a new image pushed under the container's tag is found
 * (--dry-run says pending), the container is made again on it and must turn healthy; a broken new
 * image is rolled back to the old one. The local policy follows a re-tagged local name.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeContext } from "../helpers/build.js";
import { containerEnv, sk } from "../helpers/containers.js";
import { startRegistry, type Registry } from "../helpers/registry.js";

const isRoot = process.getuid?.() === 0;

describe("auto-update", { skip: isRoot ? false : "needs root (runc, build)" }, () => {
  let reg: Registry;
  const builder = isRoot ? containerEnv() : {};
  const device = isRoot ? containerEnv() : {};
  before(async () => { if (isRoot) reg = await startRegistry(); });
  after(async () => {
    sk(device, ["rm", "-a", "-f", "-t", "0"], { timeoutMs: 60000 });
    await reg?.stop();
  });
  const publish = (tag: string, containerfile: string) => {
    const dir = makeContext({ Containerfile: containerfile });
    const b = sk(builder, ["build", "--network", "none", "-q", "-t", tag, dir], { timeoutMs: 120000 });
    assert.equal(b.code, 0, b.stderr);
    const p = sk(builder, ["push", "-q", tag], { timeoutMs: 120000 });
    assert.equal(p.code, 0, p.stderr);
    return b.stdout.trim();
  };
  const row = (out: string) => out.trim().split("\n").slice(1).map((l) => l.trim().split(/\s+/).slice(-1)[0]);
  const imageOf = (name: string) => sk(device, ["inspect", name, "--format", "{{.Image}}"]).stdout.trim();

  it("updates to a new image under the tag, health included, and rolls a broken one back", () => {
    const tag = `${reg.host}/edge/app:stable`;
    const v1 = publish(tag, "FROM bb\nRUN echo 1 > /version && touch /ok\n");
    assert.equal(sk(device, ["pull", "-q", tag], { timeoutMs: 60000 }).code, 0);
    const run = sk(device, ["run", "-d", "--name", "app", "--label", "io.containers.autoupdate=registry", "--health-cmd", "test -e /ok", "--health-interval", "300ms", "--health-retries", "1", tag, "sleep", "600"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(row(sk(device, ["auto-update", "--dry-run"]).stdout), ["false"]);
    const v2 = publish(tag, "FROM bb\nRUN echo 2 > /version && touch /ok\n");
    assert.notEqual(v2, v1);
    assert.deepEqual(row(sk(device, ["auto-update", "--dry-run"]).stdout), ["pending"]);
    assert.equal(imageOf("app").slice(0, 12), v1.slice(0, 12), "a dry run changes nothing");
    const up = sk(device, ["auto-update"], { timeoutMs: 180000 });
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(row(up.stdout), ["true"]);
    assert.equal(imageOf("app"), v2);
    assert.equal(sk(device, ["exec", "app", "cat", "/version"]).stdout, "2\n");
    // a broken image: its container never turns healthy, so the old one comes back
    publish(tag, "FROM bb\nRUN echo 3 > /version\n");
    const bad = sk(device, ["auto-update", "--format", "{{.ContainerName}} {{.Updated}}"], { timeoutMs: 180000 });
    assert.equal(bad.code, 0, bad.stderr);
    assert.equal(bad.stdout, "app rolled back\n");
    assert.equal(imageOf("app"), v2);
    assert.equal(sk(device, ["exec", "app", "cat", "/version"]).stdout, "2\n");
    assert.equal(sk(device, ["inspect", "app", "--format", "{{.State.Status}}"]).stdout.trim(), "running");
  });

  it("the local policy follows the name to another local image; others are left alone", () => {
    assert.equal(sk(device, ["tag", "bb", "localhost/mine:1"]).code, 0);
    assert.equal(sk(device, ["run", "-d", "--name", "local", "--label", "io.containers.autoupdate=local", "localhost/mine:1", "sleep", "600"]).code, 0);
    assert.equal(sk(device, ["run", "-d", "--name", "plain", "localhost/mine:1", "sleep", "600"]).code, 0);
    const before = imageOf("plain");
    const dir = makeContext({ Containerfile: "FROM bb\nRUN touch /newer\n" });
    assert.equal(sk(device, ["build", "--network", "none", "-q", "-t", "localhost/mine:1", dir], { timeoutMs: 120000 }).code, 0);
    const out = sk(device, ["auto-update", "--format", "json"]);
    const reports = JSON.parse(out.stdout) as { ContainerName: string; Updated: string }[];
    assert.equal(reports.find((r) => r.ContainerName === "local")?.Updated, "true");
    assert.equal(reports.some((r) => r.ContainerName === "plain"), false);
    assert.equal(imageOf("plain"), before);
    assert.equal(sk(device, ["exec", "local", "ls", "/newer"]).code, 0);
    const badLabel = sk(device, ["run", "-d", "--name", "odd", "--label", "io.containers.autoupdate=sometimes", "bb", "sleep", "60"]);
    assert.equal(badLabel.code, 0);
    const refused = sk(device, ["auto-update"]);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /expected registry or local/);
  });
});
