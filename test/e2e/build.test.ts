/**
 * build against podman 4.3 (buildah 1.28): the same Containerfile and context built by both, the
 * image config and the flattened file system compared entry by entry (type, mode, owner, size,
 * content, link target, xattrs; times and IDs aside). Builds podman refuses must fail too.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { configOf, makeContext, treeOf } from "../helpers/build.js";
import { sideBySide, type SideBySide, type Tool } from "../helpers/podman.js";

const isRoot = process.getuid?.() === 0;
let side: SideBySide;
const contexts: string[] = [];

function context(files: Record<string, string>): string {
  const dir = makeContext(files);
  contexts.push(dir);
  return dir;
}

interface Built { code: number; stdout: string; stderr: string; config?: Record<string, unknown>; tree?: string[] }

function buildWith(run: Tool, tag: string, dir: string, extra: string[] = []): Built {
  const r = run(["build", "--network", "none", "-t", tag, ...extra, dir]);
  if (r.code !== 0) return r;
  return { ...r, config: configOf(run, tag), tree: treeOf(run, tag) };
}

/** Builds `files` with both tools; asserts the same outcome, config and tree. */
function same(name: string, files: Record<string, string>, extra: string[] = []): { podman: Built; skiff: Built } {
  const dir = context(files);
  const tag = `localhost/${name}:t`;
  const podman = buildWith(side.tools.podman, tag, dir, extra);
  const skiff = buildWith(side.tools.skiff, tag, dir, extra);
  assert.equal(skiff.code === 0, podman.code === 0, `${name}: podman exited ${podman.code} (${podman.stderr.trim().split("\n").pop()}), skiff ${skiff.code} (${skiff.stderr.trim()})`);
  // a build podman refuses at a step is refused at the same step
  const step = /building at STEP "([^"]*)"/.exec(podman.stderr)?.[1];
  if (podman.code !== 0 && step) assert.match(skiff.stderr, new RegExp(`STEP "${step.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`), `${name}: the failing step`);
  if (podman.code === 0) {
    const steps = (out: string) => out.split("\n").filter((l) => /^(\[\d+\/\d+\] )?STEP \d+\/\d+: /.test(l)).map((l) => l.replace(/[0-9a-f]{64}/g, "<id>"));
    // the same steps (podman may print a stage a COPY --from waits for after the stage that waits)
    assert.deepEqual(steps(skiff.stdout).sort(), steps(podman.stdout).sort(), `${name}: steps`);
    assert.deepEqual(skiff.config, podman.config, `${name}: config`);
    assert.deepEqual(skiff.tree, podman.tree, `${name}: file system`);
  }
  return { podman, skiff };
}

describe("build, as podman builds", { skip: isRoot ? false : "needs root (mount, runc): run the suite as root" }, () => {
  before(() => {
    if (!isRoot) return;
    side = sideBySide();
    // podman's bb gets the same CMD as skiff's
    const r = side.podman.run(["import", "--change", 'CMD ["sh"]', join(side.env.SKIFF_ROOT!, "..", "bb.tar"), "bb"]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => {
    side?.podman.dispose();
    for (const c of contexts) rmSync(c, { recursive: true, force: true });
  });

  it("metadata instructions: ENV (one snapshot per line, modifiers), LABEL quoting, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL", () => {
    same("meta", {
      Containerfile: [
        "FROM bb",
        "ENV A=one B=${A:-x}-b",
        "ENV A=two C=$A D=${NOPE:-dflt} E=${A:+set} F=\"quoted value\" G='single $A'",
        "ENV LEGACY some words here",
        'LABEL "com.example.a"="x y" b=c',
        "LABEL multi=1 \\",
        "      line=2",
        "WORKDIR /srv",
        "WORKDIR app/",
        "WORKDIR ${A}",
        "USER app:staff",
        "EXPOSE 80 53/udp 8000-8002",
        'VOLUME ["/data", "/logs"]',
        "VOLUME /cache",
        "STOPSIGNAL SIGQUIT",
      ].join("\n"),
    });
  });

  it("ENTRYPOINT and CMD: shell and exec forms; an ENTRYPOINT clears the base's CMD unless CMD is set in the stage", () => {
    same("ep1", { Containerfile: "FROM bb\nENTRYPOINT [\"/bin/echo\"]\n" });
    same("ep2", { Containerfile: "FROM bb\nCMD [\"hello\"]\nENTRYPOINT echo hi\n" });
    same("ep3", { Containerfile: "FROM bb\nCMD echo $HOME\n" });
  });

  it("ARG: defaults, --build-arg, global ARGs in FROM, scope per stage, the ENV of the same name wins", () => {
    same("args", {
      Containerfile: [
        "ARG BASE=bb",
        "ARG GLOBAL=g",
        "FROM $BASE",
        "ARG GLOBAL",
        "ARG V=default",
        "ARG W",
        "ENV FROMARG=$V SEEN=$GLOBAL W=${W:-unset}",
        "ARG SAME=arg",
        "ENV SAME=env",
        "RUN echo \"$V $SAME $GLOBAL\" > /args.txt",
      ].join("\n"),
    }, ["--build-arg", "V=given"]);
  });

  it("COPY destination rules: a file to a path, into a dir/, a directory's contents, wildcards, several sources, WORKDIR-relative", () => {
    same("copy", {
      "a.txt": "a\n",
      "b.txt": "bb\n",
      "c.md": "c\n",
      "dir/x": "x\n",
      "dir/sub/y": "y\n",
      "dir/link": "->x",
      "exec.sh": "#!/bin/sh\n",
      Containerfile: [
        "FROM bb",
        "COPY a.txt /file-named",
        "COPY a.txt /into/",
        "COPY dir /contents",
        "COPY dir/ /contents2/",
        "COPY *.txt /glob/",
        "COPY a.txt b.txt c.md /several/",
        "COPY a.txt /etc",
        "WORKDIR /w",
        "COPY a.txt rel",
        "COPY a.txt ./reldir/",
        "COPY --chown=app:staff b.txt /owned",
        "COPY --chown=1000 dir /owned-dir",
        "COPY --chmod=751 exec.sh /exec.sh",
        "COPY a.txt missing-but-ok* /partial/",
      ].join("\n"),
    });
  });

  it("COPY refuses what podman refuses: a missing source, a glob that matches nothing, a directory onto a file", () => {
    same("copy-missing", { Containerfile: "FROM bb\nCOPY nothere /x\n" });
    same("copy-noglob", { Containerfile: "FROM bb\nCOPY nothing* /x/\n" });
    same("copy-dironfile", { "d/x": "1", Containerfile: "FROM bb\nCOPY d /etc/passwd\n" });
  });

  it("RUN: shell and exec forms, deletions of the image's files and directories, an emptied and refilled directory", () => {
    same("run", {
      Containerfile: [
        "FROM bb",
        "RUN mkdir -p /tree/keep /tree/gone && echo 1 > /tree/keep/f && echo 2 > /tree/gone/g && ln -s keep /tree/l",
        "RUN rm -rf /tree/gone /tmp && rm /etc/group",
        "RUN rm -rf /tree/keep && mkdir /tree/keep && echo new > /tree/keep/n",
        'RUN ["sh", "-c", "echo exec > /exec-form"]',
        "RUN echo a > /hard1 && ln /hard1 /hard2 && mkfifo /fifo && chown 1000:50 /hard1",
      ].join("\n"),
    });
  });

  it("a failing RUN fails the build with its exit status", () => {
    const { podman, skiff } = same("runfail", { Containerfile: "FROM bb\nRUN exit 3\n" });
    assert.equal(podman.code, 3);
    assert.equal(skiff.code, 3);
    assert.match(skiff.stderr, /RUN exit 3/);
  });

  it("multi-stage: COPY --from a stage by name and by index, FROM an earlier stage, --target, unused stages not built", () => {
    const files = {
      Containerfile: [
        "FROM bb AS builder",
        "RUN echo built > /artifact && mkdir /out && echo o > /out/f",
        "FROM bb AS unused",
        "RUN exit 9",
        "FROM builder AS second",
        "RUN echo second >> /artifact",
        "FROM bb",
        "COPY --from=builder /artifact /a",
        "COPY --from=0 /out /out",
        "COPY --from=second /artifact /b",
      ].join("\n"),
    };
    const { skiff } = same("multi", files);
    assert.doesNotMatch(skiff.stdout, /exit 9/);
    assert.match(skiff.stdout, /\[4\/4\] COMMIT/);
    same("multi-target", files, ["--target", "second"]);
  });

  it("ADD extracts a local tar archive (gzip too) and copies other files as they are", () => {
    const dir = context({ "src/one": "1\n", "src/two/three": "3\n", "plain.txt": "p\n" });
    execFileSync("tar", ["-C", join(dir, "src"), "-czf", join(dir, "arch.tgz"), "."]);
    execFileSync("tar", ["-C", join(dir, "src"), "-cf", join(dir, "arch.tar"), "one"]);
    writeFileSync(join(dir, "Containerfile"), "FROM bb\nADD arch.tgz /x/\nADD arch.tar /y\nADD plain.txt /z/\n");
    const tag = "localhost/add:t";
    const p = buildWith(side.tools.podman, tag, dir), s = buildWith(side.tools.skiff, tag, dir);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(s.code, 0, s.stderr);
    assert.deepEqual(s.tree, p.tree);
  });

  it("COPY . with ignore files: Docker's pattern rules (**, !, leading /, the last match wins)", () => {
    const files: Record<string, string> = {
      "keep.txt": "k", "drop.log": "d", "sub/drop.log": "d", "sub/deep/x.log": "x", "sub/keep.md": "m",
      "build/out.o": "o", "build/keep.o": "k", "docs/a.md": "a", "docs/b/c.md": "c", "node_modules/m/i.js": "i",
      "top.tmp": "t", "sub/top.tmp": "t", ".git/HEAD": "h", "secret.env": "s", "a b.txt": "space",
      Containerfile: "FROM bb\nCOPY . /ctx/\n",
      ".dockerignore": [
        "# comment", "*.log", "!sub/deep/x.log", "build", "!build/keep.o", "/top.tmp", "**/node_modules",
        ".git", "docs/**/*.md", "!docs/a.md", "secret.*", "", "  a b.txt  ",
      ].join("\n"),
    };
    same("ignore", files);
    // more ignore files over the same context, each a build of its own
    const more = [
      ["*", "!keep.txt", "!sub", "sub/deep"],
      ["**/*.log", "!**/deep/*.log", "docs/b", "/sub/top.tmp"],
      ["**", "!docs/**", "docs/b/**"],
      ["sub/*/x.log", "build/*.o", "!build/k*", "node_modules/", ".*", "!.dockerignore"],
      ["?eep.txt", "[a-c]*", "[!d]*.tmp", "top.tm?", "Containerfile"],
    ];
    for (const [i, lines] of more.entries()) same(`ignore${i}`, { ...files, ".dockerignore": lines.join("\n") });
  });

  it("commit: a container's added, changed and deleted files (a lower directory too) as one layer with its config", () => {
    const script = "echo x > /new && echo changed > /etc/motd && rm -rf /tmp && rm /etc/group && mkdir -p /d/e && echo 1 > /d/e/f";
    const out: Record<string, { tree: string[]; config: Record<string, unknown> }> = {};
    for (const [tool, run] of Object.entries(side.tools)) {
      const name = `commit-${tool}`;
      assert.equal(run(["run", "--name", name, "-e", "X=1", "-w", "/etc", "bb", "sh", "-c", script]).code, 0);
      const c = run(["commit", "-q", "-c", "EXPOSE 8080", "-c", "LABEL by=commit", name, "localhost/committed:t"]);
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout.trim(), /^[0-9a-f]{64}$/);
      out[tool] = { tree: treeOf(run, "localhost/committed:t"), config: configOf(run, "localhost/committed:t") };
    }
    // the same variables (podman lists the container's own first; container= names the engine)
    const env = (c: Record<string, unknown>) => (c.Env as string[]).filter((e) => !e.startsWith("container=")).sort();
    assert.deepEqual(env(out.skiff.config), env(out.podman.config));
    assert.deepEqual({ ...out.skiff.config, Env: [] }, { ...out.podman.config, Env: [] });
    // podman keeps the runtime's empty mount targets in the layer; they are not the container's changes
    assert.deepEqual(out.skiff.tree, out.podman.tree);
  });
});
