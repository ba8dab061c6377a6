/** run/create flags → options (pure): volumes, mounts, devices, env files, entrypoints, networks, logs. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bridgeNetworks, parseCreateOptions, parseDevice, parseEntrypoint, parseEnvFile, parseMountFlag, parseTmpfs, parseVolume } from "../../src/container/options.js";
import { SkiffError } from "../../src/errors.js";

const io = { env: { HOME_DIR: "/home/x" }, envFiles: [], logDefaults: { maxSize: 0, maxFile: 1 } };
const bad = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof SkiffError && e.exitCode === 125 && re.test(e.message));

describe("create options", () => {
  it("parses -v binds, named and anonymous volumes with options", () => {
    assert.deepEqual(parseVolume("/srv:/data:ro"), { kind: "bind", source: "/srv", destination: "/data", options: [], rw: false });
    assert.deepEqual(parseVolume("cache:/c:rw,nosuid"), { kind: "volume", source: "cache", destination: "/c", options: ["nosuid"], rw: true });
    assert.deepEqual(parseVolume("/anon"), { kind: "volume", source: "", destination: "/anon", options: [], rw: true });
    bad(() => parseVolume("rel/dir:/x"), /invalid volume name/);
    bad(() => parseVolume("/a:b"), /must be an absolute path/);
    bad(() => parseVolume("/a:/b:bogus"), /invalid volume option "bogus"/);
  });

  it("parses --mount and --tmpfs", () => {
    assert.deepEqual(parseMountFlag("type=bind,src=/h,dst=/c,readonly"), { kind: "bind", source: "/h", destination: "/c", options: [], rw: false });
    assert.deepEqual(parseMountFlag("type=tmpfs,target=/t,tmpfs-size=1m"), { kind: "tmpfs", source: "tmpfs", destination: "/t", options: ["size=1048576"], rw: true });
    assert.deepEqual(parseTmpfs("/run:size=64k,ro"), { kind: "tmpfs", source: "tmpfs", destination: "/run", options: ["size=64k"], rw: false });
    bad(() => parseMountFlag("type=nfs,dst=/x"), /invalid --mount "type=nfs/);
    bad(() => parseMountFlag("type=bind,src=/a"), /no destination/);
  });

  it("parses --device, --entrypoint and env files", () => {
    assert.deepEqual(parseDevice("/dev/fuse"), { host: "/dev/fuse", container: "/dev/fuse", perms: "rwm" });
    assert.deepEqual(parseDevice("/dev/sda:r"), { host: "/dev/sda", container: "/dev/sda", perms: "r" });
    assert.deepEqual(parseDevice("/dev/sda:/dev/xvda:rw"), { host: "/dev/sda", container: "/dev/xvda", perms: "rw" });
    bad(() => parseDevice("sda"), /invalid --device/);
    assert.deepEqual(parseEntrypoint('["/bin/sh","-c"]'), ["/bin/sh", "-c"]);
    assert.deepEqual(parseEntrypoint("/bin/run me"), ["/bin/run me"]);
    assert.equal(parseEntrypoint(""), "");
    assert.deepEqual(parseEnvFile("# comment\nA=1\n\nHOME_DIR\nMISSING\nB=x=y\r\n", io.env), ["A=1", "HOME_DIR=/home/x", "B=x=y"]);
  });

  it("defaults to the bridge network and refuses what cannot go together", () => {
    const o = parseCreateOptions({}, io);
    assert.equal(o.network, "bridge");
    assert.equal(o.stopSignal, "");
    assert.deepEqual(o.ulimits.nofile, { soft: 1048576, hard: 1048576 });
    assert.deepEqual(parseCreateOptions({ publish: ["8080:80/udp"] }, io).publish, [{ hostIp: "", hostPort: 8080, containerPort: 80, protocol: "udp" }]);
    assert.equal(parseCreateOptions({ network: "container:db" }, io).network, "container:db");
    assert.equal(parseCreateOptions({ attach: ["stdin", "stdout"] }, io).interactive, true);
    bad(() => parseCreateOptions({ publish: ["80"], network: "host" }, io), /cannot publish ports with --network host/);
    bad(() => parseCreateOptions({ rm: true, restart: "always" }, io), /--rm and a --restart policy/);
    bad(() => parseCreateOptions({ network: "private" }, io), /not implemented yet/);
    assert.equal(parseCreateOptions({ network: "pasta" }, io).network, "pasta");
    assert.equal(parseCreateOptions({ network: "slirp4netns", publish: ["8080:80"] }, io).network, "slirp4netns");
    assert.equal(parseCreateOptions({}, { ...io, defaultNetwork: "slirp4netns" }).network, "slirp4netns", "the rootless default");
    // several networks: repeated or comma-separated, in order; modes stand alone
    const several = parseCreateOptions({ network: ["front", "back,db"] }, io);
    assert.deepEqual([several.network, several.networks], ["front", ["front", "back", "db"]]);
    assert.deepEqual(bridgeNetworks(several), ["front", "back", "db"]);
    assert.deepEqual(bridgeNetworks(parseCreateOptions({ network: ["host"] }, io)), []);
    assert.equal(parseCreateOptions({ network: ["front"] }, io).networks, undefined);
    bad(() => parseCreateOptions({ network: ["front", "host"] }, io), /--network host cannot be combined/);
    bad(() => parseCreateOptions({ network: ["front", "front"] }, io), /given twice/);
    bad(() => parseCreateOptions({ logOpt: ["max-file=0"] }, io), /max-file/);
    bad(() => parseCreateOptions({ securityOpt: ["apparmor=x"] }, io), /not supported/);
    assert.deepEqual(parseCreateOptions({ logOpt: ["max-size=1k", "max-file=3"] }, io).log, { driver: "k8s-file", maxSize: 1024, maxFile: 3 });
  });
});
