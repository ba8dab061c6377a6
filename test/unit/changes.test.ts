import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyChanges } from "../../src/image/changes.js";

describe("--change instructions", () => {
  it("applies each instruction in podman's forms", () => {
    const c = applyChanges({ Env: ["PATH=/bin", "A=old"] }, [
      'CMD ["sh", "-c", "echo hi"]',
      "ENTRYPOINT=/docker-entrypoint.sh start",
      "WORKDIR /srv",
      "USER=app:app",
      "ENV A=new B='two words' C=\"q\\\"uote\"",
      "ENV LEGACY value with spaces",
      "LABEL org.example.v=1 other=x",
      "EXPOSE 80 53/udp 8000-8010",
      'VOLUME ["/data", "/logs"]',
      "STOPSIGNAL SIGINT",
    ]);
    assert.deepEqual(c.Cmd, ["sh", "-c", "echo hi"]);
    assert.deepEqual(c.Entrypoint, ["/bin/sh", "-c", "/docker-entrypoint.sh start"]);
    assert.equal(c.WorkingDir, "/srv");
    assert.equal(c.User, "app:app");
    assert.deepEqual(c.Env, ["PATH=/bin", "A=new", "B=two words", 'C=q"uote', "LEGACY=value with spaces"]);
    assert.deepEqual(c.Labels, { "org.example.v": "1", other: "x" });
    assert.deepEqual(Object.keys(c.ExposedPorts!), ["80/tcp", "53/udp", "8000-8010/tcp"]);
    assert.deepEqual(Object.keys(c.Volumes!), ["/data", "/logs"]);
    assert.equal(c.StopSignal, "SIGINT");
  });

  it("rejects what it cannot apply", () => {
    for (const [change, why] of [["RUN make", /unsupported instruction RUN/], ["CMD [1,2]", /JSON array of strings/], ["CMD [oops", /not a valid JSON array/], ["EXPOSE http", /bad port/], ["ENV", /expected INSTRUCTION VALUE/], ["ENV lonely", /expected KEY=VALUE/]] as const) {
      assert.throws(() => applyChanges({}, [change]), why, change);
    }
  });
});
