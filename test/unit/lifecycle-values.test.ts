import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exitStatus, runcError, startFailureExitCode } from "../../src/runtime/errors.js";
import { formatChunk, joinRecords, logTimestamp, parseRecord } from "../../src/container/logformat.js";
import { parseRestartPolicy, parseTimeArg } from "../../src/container/policy.js";
import { parsePublish } from "../../src/network/ports.js";

// recorded from Debian's runc 1.1.5 with --log-format json
const NOT_FOUND = '{"level":"error","msg":"runc run failed: unable to start container process: exec: \\"nope\\": executable file not found in $PATH","time":"2026-11-25T20:27:25Z"}\n';
const IS_DIR = '{"level":"error","msg":"runc run failed: unable to start container process: exec: \\"/bin\\": permission denied","time":"2026-11-25T20:27:25Z"}\n';

describe("runc failures", () => {
  it("turns runc's JSON log into one line", () => {
    assert.equal(runcError(NOT_FOUND), 'unable to start container process: exec: "nope": executable file not found in $PATH');
    assert.equal(runcError(`{"level":"warning","msg":"ignored"}\n${IS_DIR}`), 'unable to start container process: exec: "/bin": permission denied');
    assert.equal(runcError("panic: something\n"), "panic: something");
    assert.equal(runcError(""), undefined);
  });

  it("maps start failures to 127 and 126 as podman does", () => {
    assert.equal(startFailureExitCode(runcError(NOT_FOUND)!), 127);
    assert.equal(startFailureExitCode(runcError(IS_DIR)!), 126);
    assert.equal(startFailureExitCode("unable to start container process: error during container init: error mounting \"/gone\" to rootfs at \"/d\": stat /gone: no such file or directory"), 126, "a failed mount is no missing command");
    assert.equal(startFailureExitCode('exec: "/etc": is a directory'), 126);
    assert.equal(startFailureExitCode("open /x: no such file or directory"), 127);
  });

  it("reports 128+N after signal N", () => {
    assert.equal(exitStatus(3, null), 3);
    assert.equal(exitStatus(null, 9), 137);
    assert.equal(exitStatus(null, 15), 143);
  });
});

describe("k8s-file logs", () => {
  const t = "2024-01-01T00:00:00.000000000+00:00";
  it("writes full lines with F and a trailing fragment with P", () => {
    assert.equal(formatChunk("stdout", "a\nb\npart", t), `${t} stdout F a\n${t} stdout F b\n${t} stdout P part\n`);
    assert.equal(formatChunk("stderr", "x\n", t), `${t} stderr F x\n`);
    assert.equal(formatChunk("stdout", "", t), "");
  });

  it("reads records back and joins partial lines per stream", () => {
    const text = formatChunk("stdout", "hel", t) + formatChunk("stderr", "err\n", t) + formatChunk("stdout", "lo\nnext", t);
    const records = text.trimEnd().split("\n").map((l) => parseRecord(l)!);
    assert.deepEqual(joinRecords(records).map((r) => [r.stream, r.line]), [["stderr", "err"], ["stdout", "hello"], ["stdout", "next"]]);
    assert.equal(parseRecord("garbage"), undefined);
  });

  it("stamps RFC 3339 with nanoseconds and an offset", () => {
    assert.match(logTimestamp(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), 789), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.006000789[+-]\d\d:\d\d$/);
  });
});

describe("run flag values", () => {
  it("parses restart policies", () => {
    assert.deepEqual(parseRestartPolicy("on-failure:3"), { name: "on-failure", maxRetries: 3 });
    assert.deepEqual(parseRestartPolicy("never"), { name: "no", maxRetries: 0 });
    assert.deepEqual(parseRestartPolicy("unless-stopped"), { name: "unless-stopped", maxRetries: 0 });
    assert.throws(() => parseRestartPolicy("always:3"), /invalid restart policy "always:3"/);
    assert.throws(() => parseRestartPolicy("sometimes"), /invalid restart policy/);
  });

  it("parses --since/--until times", () => {
    const now = Date.UTC(2024, 0, 1, 12);
    assert.equal(parseTimeArg("10m", now, "--since"), now - 600_000);
    assert.equal(parseTimeArg("1h30m", now, "--since"), now - 5_400_000);
    assert.equal(parseTimeArg("1700000000", now, "--since"), 1_700_000_000_000);
    assert.equal(parseTimeArg("2024-01-01T00:00:00Z", now, "--since"), Date.UTC(2024, 0, 1));
    assert.throws(() => parseTimeArg("yesterday", now, "--until"), /invalid time "yesterday" for --until/);
  });

  it("parses --publish as podman does", () => {
    const one = (s: string) => parsePublish(s).map((m) => `${m.hostIp}|${m.hostPort}|${m.containerPort}/${m.protocol}`);
    assert.deepEqual(one("80"), ["|0|80/tcp"]);
    assert.deepEqual(one("8080:80"), ["|8080|80/tcp"]);
    assert.deepEqual(one("127.0.0.1:8080:80/udp"), ["127.0.0.1|8080|80/udp"]);
    assert.deepEqual(one("127.0.0.1::80"), ["127.0.0.1|0|80/tcp"]);
    assert.deepEqual(one("[::1]:8080:80"), ["::1|8080|80/tcp"]);
    assert.deepEqual(one("9000-9002:7000-7002"), ["|9000|7000/tcp", "|9001|7001/tcp", "|9002|7002/tcp"]);
    for (const [bad, why] of [["8080:80/icmp", /unknown protocol/], ["70000:80", /out of range/], ["1-3:1-2", /ranges differ/], ["a:b:c:d", /too many colons/], ["host:80:80", /bad host address/]] as const) {
      assert.throws(() => parsePublish(bad), why, bad);
    }
  });
});
