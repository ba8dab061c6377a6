/**
 * build beyond what podman 4.3 can be compared on: the cache (reused, invalidated from the first
 * changed COPY, --no-cache, reproducible digests), heredocs, RUN --mount, secrets kept out of the
 * image, errors that name file and line, -q, --iidfile, and nothing left behind by a build.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { makeContext, treeOf } from "../helpers/build.js";
import { containerEnv, mountsUnder, runtimeContainers, sk } from "../helpers/containers.js";
import { skiffAsync } from "../helpers/skiff.js";

const isRoot = process.getuid?.() === 0;
const contexts: string[] = [];
function context(files: Record<string, string>): string {
  const dir = makeContext(files);
  contexts.push(dir);
  return dir;
}
const cached = (out: string) => out.split("\n").filter((l) => l.startsWith("--> Using cache")).length;

describe("build: cache, heredocs, mounts, errors", { skip: isRoot ? false : "needs root (mount, runc)" }, () => {
  const env = isRoot ? containerEnv() : {};
  after(() => { for (const c of contexts) rmSync(c, { recursive: true, force: true }); });
  const build = (args: string[], input?: string) => sk(env, ["build", "--network", "none", ...args], { input, timeoutMs: 120000 });

  it("reuses every step of an unchanged rebuild, rebuilds from the first COPY of a changed file, and all with --no-cache", () => {
    const dir = context({
      "one.txt": "1\n", "two.txt": "2\n",
      Containerfile: "FROM bb\nRUN echo a > /a\nCOPY one.txt /one\nRUN echo b > /b\nCOPY two.txt /two\nRUN echo c > /c\n",
    });
    const first = build(["-t", "cache:1", dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(cached(first.stdout), 0);
    const again = build(["-t", "cache:1", dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(cached(again.stdout), 5, again.stdout);
    assert.equal(again.stdout.trim().split("\n").pop(), first.stdout.trim().split("\n").pop(), "the same image");
    // a touched file has another time, so another layer: from its COPY on, nothing is reused
    utimesSync(join(dir, "two.txt"), new Date(2020, 1, 1), new Date(2020, 1, 1));
    const touched = build(["-t", "cache:1", dir]);
    assert.equal(touched.code, 0, touched.stderr);
    assert.equal(cached(touched.stdout), 3, touched.stdout);
    assert.match(touched.stdout, /STEP 5\/6: COPY two.txt \/two\n--> [0-9a-f]{11}\n/);
    const none = build(["--no-cache", "-t", "cache:1", dir]);
    assert.equal(cached(none.stdout), 0);
  });

  it("gives the same digest twice with SOURCE_DATE_EPOCH or --timestamp", () => {
    const dir = context({ "f.txt": "f\n", Containerfile: "FROM bb\nCOPY f.txt /f\nRUN echo x > /x && touch /x\nENV A=1\n" });
    const digest = (extra: string[], e = env) => {
      const r = sk(e, ["build", "--network", "none", "--no-cache", "-q", ...extra, dir], { timeoutMs: 120000 });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    const a = digest(["--timestamp", "1700000000"]);
    const b = digest(["--timestamp", "1700000000"]);
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(a, b);
    const c = digest([], { ...env, SOURCE_DATE_EPOCH: "1600000000" });
    const d = digest([], { ...env, SOURCE_DATE_EPOCH: "1600000000" });
    assert.equal(c, d);
    assert.notEqual(digest([]), digest([]), "without a timestamp the times differ");
  });

  it("heredocs: RUN <<EOF runs the body, RUN cmd <<EOF feeds it, COPY <<EOF writes a file (expanded unless quoted)", () => {
    const dir = context({
      Containerfile: [
        "FROM bb",
        "ENV WHO=world",
        "RUN <<EOF",
        "echo from heredoc > /heredoc",
        "chmod 600 /heredoc",
        "EOF",
        "RUN cat <<EOT > /fed",
        "line one",
        "EOT",
        "COPY <<EOF /hello.txt",
        "hello $WHO",
        "EOF",
        "COPY <<'EOF' /literal.txt",
        "hello $WHO",
        "EOF",
      ].join("\n"),
    });
    const r = build(["-t", "heredoc:1", dir]);
    assert.equal(r.code, 0, r.stderr);
    const out = sk(env, ["run", "--rm", "heredoc:1", "sh", "-c", "cat /heredoc /fed /hello.txt /literal.txt; stat -c %a /heredoc"]);
    assert.equal(out.stdout, "from heredoc\nline one\nhello world\nhello $WHO\n600\n");
  });

  it("RUN --mount: a cache that persists across builds and stays out of the image, a secret never stored, tmpfs, a bind of the context", () => {
    const secret = join(context({ s: "" }), "token");
    writeFileSync(secret, "s3cret\n");
    const dir = context({
      "ctx-file": "from context\n",
      Containerfile: [
        "FROM bb",
        "RUN --mount=type=cache,target=/cache sh -c 'echo run >> /cache/log; wc -l < /cache/log > /count'",
        "RUN --mount=type=secret,id=token cat /run/secrets/token > /seen",
        "RUN --mount=type=tmpfs,target=/scratch sh -c 'echo t > /scratch/t && cat /scratch/t > /tmpfs-seen'",
        "RUN --mount=type=bind,source=ctx-file,target=/mnt/f cat /mnt/f > /bound",
      ].join("\n"),
    });
    const r1 = build(["--no-cache", "--secret", `id=token,src=${secret}`, "-t", "mounts:1", dir]);
    assert.equal(r1.code, 0, r1.stderr);
    const r2 = build(["--no-cache", "--secret", `id=token,src=${secret}`, "-t", "mounts:1", dir]);
    assert.equal(r2.code, 0, r2.stderr);
    const out = sk(env, ["run", "--rm", "mounts:1", "sh", "-c", "cat /count /seen /tmpfs-seen /bound; ls /cache /scratch /run/secrets 2>&1 | wc -l"]);
    assert.equal(out.stdout.split("\n").slice(0, 4).join("\n"), "2\ns3cret\nt\nfrom context");
    const tree = treeOf((a) => sk(env, a), "mounts:1").join("\n");
    assert.doesNotMatch(tree, /^(cache|scratch|run\/secrets|mnt\/f)\b.*file/m, "mount contents are not in the layers");
    const layers = JSON.parse(sk(env, ["image", "inspect", "mounts:1"]).stdout)[0].RootFS.Layers as string[];
    for (const l of layers) {
      const blob = readFileSync(join(env.SKIFF_ROOT!, "blobs", "sha256", l.slice(7)));
      assert.equal(blob.includes(Buffer.from("run\nrun")), false, "the cache's contents are in no layer");
      assert.equal(blob.includes(Buffer.from("token")) && blob.includes(Buffer.from("s3cret\n")) && !blob.includes(Buffer.from("seen")), false);
    }
  });

  it("errors name the file and line, exit 125, and leave no working container, mount or runtime state behind", () => {
    const cases: [string, RegExp][] = [
      ["FROM bb\nRUN true\nFOO bar\n", /Containerfile:3: unknown instruction: FOO/],
      ["RUN true\n", /Containerfile:1: no FROM statement found/],
      ["FROM bb\nCOPY nothere /x\n", /STEP "COPY nothere \/x" \(Containerfile:2\).*no such file or directory/],
      ["FROM bb\nHEALTHCHECK --retries=0 CMD true\n", /Containerfile:2: HEALTHCHECK: --retries must be at least 1/],
      ["FROM bb AS 1bad\n", /Containerfile:1: invalid name for build stage/],
      ["FROM bb\nSTOPSIGNAL SIGNOPE\n", /Containerfile:2: STOPSIGNAL: invalid signal/],
      ["FROM bb\nRUN <<EOF\necho never ends\n", /Containerfile:2: unterminated heredoc <<EOF/],
    ];
    for (const [text, msg] of cases) {
      const dir = context({ Containerfile: text });
      const r = build([dir]);
      assert.equal(r.code, 125, `${text}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split("\n").filter((l) => l.startsWith("Error")).length, 1, r.stderr);
    }
    const pullNever = build(["--pull", "never", context({ Containerfile: "FROM nosuch/base\n" })]);
    assert.equal(pullNever.code, 125);
    assert.match(pullNever.stderr, /nosuch\/base is not in the store/);
    const platform = build(["--platform", "linux/riscv64", context({ Containerfile: "FROM bb\n" })]);
    assert.match(platform.stderr, /cannot run RUN steps/);
    const ignoreDir = context({ "kept.txt": "k", "dropped.txt": "d", Containerfile: "FROM bb\nCOPY . /c/\n" });
    writeFileSync(join(ignoreDir, "my.ignore"), "dropped.txt\nmy.ignore\n");
    assert.equal(build(["-t", "ignorefile:1", "--ignorefile", join(ignoreDir, "my.ignore"), ignoreDir]).code, 0);
    assert.equal(sk(env, ["run", "--rm", "ignorefile:1", "ls", "/c"]).stdout, "Containerfile\nkept.txt\n");
    assert.equal(sk(env, ["ps", "-a", "--external", "-q"]).stdout.trim(), "");
    assert.deepEqual(mountsUnder(env), []);
    assert.deepEqual(runtimeContainers(env), []);
  });

  it("-q prints only the ID (no steps, no RUN output); --iidfile gets it too; ps --external shows nothing after the build", () => {
    const dir = context({ Containerfile: "FROM bb\nRUN echo noisy\n" });
    const iid = join(dir, "iid");
    const r = build(["-q", "--iidfile", iid, dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
    assert.equal(readFileSync(iid, "utf8"), `sha256:${r.stdout.trim()}`);
    const stdin = build(["-q", "-f", "-", dir], "FROM bb\nLABEL from=stdin\n");
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.equal(sk(env, ["image", "inspect", stdin.stdout.trim(), "--format", "{{.Labels.from}}"]).stdout.trim(), "stdin");
  });
});

describe("build: formats, squash, COPY --parents/--exclude, ONBUILD, RUN as USER", { skip: isRoot ? false : "needs root (mount, runc)" }, () => {
  const env = isRoot ? containerEnv() : {};
  const build = (args: string[]) => sk(env, ["build", "--network", "none", ...args], { timeoutMs: 120000 });
  const layersOf = (image: string) => (JSON.parse(sk(env, ["image", "inspect", image]).stdout)[0].RootFS.Layers as string[]).length;

  it("--squash makes the new layers one (the base's kept), --squash-all one layer in all; the files are the same", () => {
    const files = { Containerfile: "FROM bb\nRUN echo 1 > /one\nRUN echo 2 > /two && rm /one\nRUN mkdir /d && echo x > /d/x\nRUN rm -rf /d && mkdir /d && echo y > /d/y\n" };
    const dir = context(files);
    for (const [tag, flags, layers] of [["plain", [], 5], ["squash", ["--squash"], 2], ["all", ["--squash-all"], 1]] as [string, string[], number][]) {
      const r = build([...flags, "-t", `sq:${tag}`, dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(layersOf(`sq:${tag}`), layers, tag);
    }
    const tree = (t: string) => treeOf((a) => sk(env, a), `sq:${t}`);
    assert.deepEqual(tree("squash"), tree("plain"));
    assert.deepEqual(tree("all"), tree("plain"));
    const c = sk(env, ["run", "--name", "sqc", "sq:plain", "sh", "-c", "echo z > /z"]);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(sk(env, ["commit", "-q", "--squash", "sqc", "sq:committed"]).code, 0);
    assert.equal(layersOf("sq:committed"), 1);
  });

  it("--format docker keeps HEALTHCHECK, SHELL and ONBUILD; a child build runs the ONBUILD triggers", () => {
    const parent = context({ Containerfile: 'FROM bb\nHEALTHCHECK --interval=5s --retries=2 CMD ["true"]\nSHELL ["/bin/sh", "-ec"]\nONBUILD RUN echo triggered > /onbuild\nCMD echo hi\n' });
    const r = build(["--format", "docker", "-t", "parent:1", parent]);
    assert.equal(r.code, 0, r.stderr);
    const [img] = JSON.parse(sk(env, ["image", "inspect", "parent:1"]).stdout);
    assert.equal(img.ManifestType, "application/vnd.docker.distribution.manifest.v2+json");
    const cfg = JSON.parse(sk(env, ["image", "inspect", "parent:1", "--format", "{{json .Config}}"]).stdout);
    assert.deepEqual(cfg.Healthcheck, { Test: ["CMD", "true"], Interval: 5e9, Retries: 2 });
    assert.deepEqual(cfg.OnBuild, ["RUN echo triggered > /onbuild"]);
    assert.deepEqual(cfg.Cmd, ["/bin/sh", "-ec", "echo hi"], "shell-form CMD in the SHELL");
    const child = context({ Containerfile: "FROM parent:1\nRUN true\n" });
    const c = build(["-t", "child:1", child]);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(sk(env, ["run", "--rm", "child:1", "cat", "/onbuild"]).stdout, "triggered\n");
    const oci = build(["-t", "parent:oci", parent]);
    assert.match(oci.stderr, /HEALTHCHECK is not supported for OCI image format/);
  });

  it("COPY --parents keeps the source's directories, --exclude leaves files out; unknown flags fail with the line", () => {
    const dir = context({
      "a/b/one.txt": "1", "a/b/skip.log": "s", "a/c/two.txt": "2",
      Containerfile: "FROM bb\nCOPY --parents a/b/one.txt a/c /p/\nCOPY --exclude=*.log a /ex/\n",
    });
    const r = build(["-t", "flags:1", dir]);
    assert.equal(r.code, 0, r.stderr);
    const out = sk(env, ["run", "--rm", "flags:1", "sh", "-c", "cd /p && find . | sort; cd /ex && find . | sort"]).stdout;
    assert.equal(out, ".\n./a\n./a/b\n./a/b/one.txt\n./a/c\n./a/c/two.txt\n.\n./b\n./b/one.txt\n./c\n./c/two.txt\n");
    const bad = build([context({ Containerfile: "FROM bb\nCOPY --bogus=1 a /b\n" })]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /Containerfile:2: COPY: unknown flag: --bogus/);
  });

  it("RUN runs as USER in WORKDIR with the ARGs and ENV in its environment; --build-arg-file, --label, --annotation", () => {
    const argFile = join(context({ x: "" }), "args");
    writeFileSync(argFile, "# a comment\nFROMFILE=file-value\n");
    const dir = context({ Containerfile: "FROM bb\nARG FROMFILE\nARG CLI\nENV E=env\nWORKDIR /home/app\nUSER app\nRUN id -u > /tmp/id; pwd > /tmp/pwd; echo \"$FROMFILE $CLI $E\" > /tmp/vars\n" });
    const r = build(["--build-arg-file", argFile, "--build-arg", "CLI=cli", "--label", "l=v", "--annotation", "a=b", "-t", "user:1", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sk(env, ["run", "--rm", "user:1", "cat", "/tmp/id", "/tmp/pwd", "/tmp/vars"]).stdout, "1000\n/home/app\nfile-value cli env\n");
    assert.equal(sk(env, ["image", "inspect", "user:1", "--format", "{{.Labels.l}}"]).stdout.trim(), "v");
    const manifest = JSON.parse(readFileSync(join(env.SKIFF_ROOT!, "blobs", "sha256", JSON.parse(sk(env, ["image", "inspect", "user:1"]).stdout)[0].Digest.slice(7)), "utf8"));
    assert.deepEqual(manifest.annotations, { a: "b" });
  });
});

describe("build: what RUN sees, ADD of a URL, a context that points outside itself", { skip: isRoot ? false : "needs root (mount, runc)" }, () => {
  const env = isRoot ? containerEnv() : {};
  const build = (args: string[]) => sk(env, ["build", ...args], { timeoutMs: 120000 });

  it("RUN gets --add-host, -v binds and --network host; RUN true adds no layer", () => {
    const host = context({ "shared.txt": "from the host\n" });
    const dir = context({ Containerfile: "FROM bb\nRUN grep -c buildhost /etc/hosts > /hosts && cat /mnt/host/shared.txt > /seen\nRUN true\n" });
    const r = build(["--network", "host", "--add-host", "buildhost:10.1.2.3", "-v", `${host}:/mnt/host:ro`, "-t", "sees:1", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sk(env, ["run", "--rm", "sees:1", "cat", "/hosts", "/seen"]).stdout, "1\nfrom the host\n");
    const layers = JSON.parse(sk(env, ["image", "inspect", "sees:1"]).stdout)[0].RootFS.Layers.length;
    assert.equal(layers, 2, "the base and the first RUN; RUN true changed nothing");
    assert.equal(sk(env, ["run", "--rm", "sees:1", "sh", "-c", "[ -e /mnt/host/shared.txt ] && echo leaked || echo clean"]).stdout.trim(), "clean", "the bind is not in the image");
  });

  it("ADD URL: downloaded with a timeout, named after the URL, --checksum verified", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((req, res) => {
      if (req.url === "/files/tool.sh") { res.writeHead(200, { "content-length": "12", "last-modified": "Mon, 01 Jan 2024 00:00:00 GMT" }); res.end("echo tool!!\n"); }
      else { res.writeHead(404); res.end(); }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const url = `http://127.0.0.1:${port}/files/tool.sh`;
      const sum = `sha256:${(await import("node:crypto")).createHash("sha256").update("echo tool!!\n").digest("hex")}`;
      const dir = context({ Containerfile: `FROM bb\nADD ${url} /opt/\nADD --checksum=${sum} ${url} /named\n` });
      const r = await skiffAsync(["build", "--network", "none", "-t", "url:1", dir], { env, timeoutMs: 120000 });
      assert.equal(r.code, 0, r.stderr);
      const out = await skiffAsync(["run", "--rm", "url:1", "sh", "-c", "cat /opt/tool.sh /named; stat -c '%a %Y' /opt/tool.sh"], { env });
      assert.equal(out.stdout, "echo tool!!\necho tool!!\n600 1704067200\n");
      const bad = context({ Containerfile: `FROM bb\nADD --checksum=sha256:${"0".repeat(64)} ${url} /x\n` });
      const fail = await skiffAsync(["build", "--network", "none", bad], { env, timeoutMs: 120000 });
      assert.equal(fail.code, 125);
      assert.match(fail.stderr, /does not have the checksum/);
      const missing = await skiffAsync(["build", "--network", "none", context({ Containerfile: `FROM bb\nADD http://127.0.0.1:${port}/nope /x\n` })], { env });
      assert.match(missing.stderr, /404/);
    } finally {
      server.close();
    }
  });

  it("never reads outside the context: a link to /etc/shadow, ../ paths, a bind mount source", () => {
    const dir = context({ "inside.txt": "in\n", evil: "->/etc/shadow", "sub/up": "->../../../../etc/passwd", Containerfile: "FROM bb\nCOPY evil /x\n" });
    const r = build(["--network", "none", dir]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /no such file or directory/);
    writeFileSync(join(dir, "Containerfile"), "FROM bb\nCOPY ../../../etc/shadow /x\n");
    assert.equal(build(["--network", "none", dir]).code, 125, "../ stays in the context");
    writeFileSync(join(dir, "Containerfile"), "FROM bb\nCOPY sub /copied/\n");
    const links = build(["--network", "none", "-t", "links:1", dir]);
    assert.equal(links.code, 0, links.stderr);
    assert.match(sk(env, ["run", "--rm", "links:1", "ls", "-l", "/copied/up"]).stdout, / -> \.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd\n$/, "a link inside is copied as a link");
    writeFileSync(join(dir, "Containerfile"), "FROM bb\nRUN --mount=type=bind,source=../../../etc,target=/m cat /m/shadow\n");
    const bind = build(["--network", "none", dir]);
    assert.notEqual(bind.code, 0);
    assert.doesNotMatch(bind.stdout, /root:/);
  });
});
