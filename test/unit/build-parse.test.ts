/** The pure parts of build: Containerfile parsing, word expansion, ignore patterns, stage planning. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseContainerfile } from "../../src/build/containerfile.js";
import { isIgnored, parseIgnoreFile } from "../../src/build/ignore.js";
import { compileGlob } from "../../src/build/glob.js";
import { planStages } from "../../src/build/plan.js";
import { keyValuePairs, processWord } from "../../src/build/words.js";
import { parseDuration, setEnv } from "../../src/build/instructions.js";

const vars: Record<string, string> = { A: "one", EMPTY: "", PATHV: "/usr/local/bin/tool.tar.gz" };
const lookup = (n: string) => vars[n];

describe("Containerfile parsing", () => {
  it("joins continuations (dropping comment and blank lines inside), keeps line numbers, reads flags and the exec form", () => {
    const f = parseContainerfile("# syntax=x\n\nFROM bb\nRUN echo a \\\n# inside\n\n  && echo b\nCOPY --from=x --chown=1:2 a b\nCMD [\"sh\", \"-c\"]\nrun lower\n");
    assert.deepEqual(f.instructions.map((i) => [i.keyword, i.line]), [["FROM", 3], ["RUN", 4], ["COPY", 8], ["CMD", 9], ["RUN", 10]]);
    assert.equal(f.instructions[1].rest, "echo a   && echo b");
    assert.deepEqual(f.instructions[2].flags, { from: ["x"], chown: ["1:2"] });
    assert.equal(f.instructions[2].rest, "a b");
    assert.deepEqual(f.instructions[3].json, ["sh", "-c"]);
    assert.equal(f.warnings.length, 1, "an empty continuation line is warned about");
  });

  it("takes the escape directive only before anything else", () => {
    assert.equal(parseContainerfile("# escape=`\nFROM bb\nRUN a `\n b\n").instructions[1].rest, "a  b");
    assert.equal(parseContainerfile("FROM bb\n# escape=`\nRUN a `\n").escape, "\\");
  });

  it("reads heredocs: the body up to the delimiter, <<- strips tabs, quoted delimiters do not expand", () => {
    const f = parseContainerfile("FROM bb\nRUN <<EOF\nline 1\n  line 2\nEOF\nCOPY <<-'X' /dst\n\tbody $A\n\tX\nRUN true\n");
    assert.deepEqual(f.instructions[1].heredocs, [{ name: "EOF", body: "line 1\n  line 2\n", expand: true }]);
    assert.deepEqual(f.instructions[2].heredocs, [{ name: "X", body: "body $A\n", expand: false }]);
    assert.equal(f.instructions[3].line, 9);
  });
});

describe("word expansion", () => {
  it("expands $V, ${V} and the modifiers; quotes and escapes as the shell takes them", () => {
    const cases: [string, string][] = [
      ["$A", "one"], ["${A}x", "onex"], ["${NOPE:-d}", "d"], ["${EMPTY:-d}", "d"], ["${EMPTY-d}", ""], ["${A:+y}", "y"], ["${NOPE:+y}", ""],
      ["${NOPE+y}", ""], ["${EMPTY+y}", "y"], ["'$A'", "$A"], ['"$A b"', "one b"], ["\\$A", "$A"], ['"\\$A"', "$A"], ['"a\\b"', "a\\b"],
      ["${PATHV#*/}", "usr/local/bin/tool.tar.gz"], ["${PATHV##*/}", "tool.tar.gz"], ["${PATHV%.*}", "/usr/local/bin/tool.tar"], ["${PATHV%%.*}", "/usr/local/bin/tool"],
      ["$", "$"], ["a$", "a$"], ["${A:-${NOPE:-nested}}", "one"], ["${NOPE:-${A}}", "one"],
    ];
    for (const [word, want] of cases) assert.equal(processWord(word, lookup), want, word);
  });

  it("splits ENV pairs against one snapshot, and the legacy KEY VALUE form", () => {
    assert.deepEqual(keyValuePairs('A=two B=$A C="x y"', lookup), [["A", "two"], ["B", "one"], ["C", "x y"]]);
    assert.deepEqual(keyValuePairs("ONE TWO= THREE=world", lookup), [["ONE", "TWO= THREE=world"]]);
  });

  it("replaces a variable where it was", () => {
    assert.deepEqual(setEnv(["A=1", "B=2", "C=3"], "B", "x"), ["A=1", "B=x", "C=3"]);
    assert.deepEqual(setEnv(["A=1"], "Z", "9"), ["A=1", "Z=9"]);
  });

  it("reads Go durations", () => {
    assert.equal(parseDuration("30s"), 30e9);
    assert.equal(parseDuration("1m30s"), 90e9);
    assert.equal(parseDuration("250ms"), 250e6);
    assert.equal(parseDuration("5x"), undefined);
  });
});

describe("ignore files, with Docker's rules", () => {
  // [patterns, path, ignored]
  const cases: [string, string, boolean][] = [
    ["*.log", "a.log", true], ["*.log", "sub/a.log", false], ["**/*.log", "sub/deep/a.log", true], ["**/*.log", "a.log", true],
    ["sub", "sub/x/y", true], ["sub/", "sub/x", true], ["/top", "top", true], ["/top", "a/top", false], ["./top", "top", true],
    ["*.log\n!keep.log", "keep.log", false], ["*.log\n!keep.log", "other.log", true], ["!keep.log\n*.log", "keep.log", true],
    ["build\n!build/keep.o", "build/keep.o", false], ["build\n!build/keep.o", "build/out.o", true],
    ["**/node_modules", "a/b/node_modules/x.js", true], ["**/node_modules", "node_modules", true], ["node_modules", "a/node_modules", false],
    ["docs/**/*.md", "docs/a.md", true], ["docs/**/*.md", "docs/b/c/d.md", true], ["docs/**/*.md", "other/a.md", false],
    ["a?c", "abc", true], ["a?c", "a/c", false], ["[a-c]x", "bx", true], ["[!a-c]x", "bx", false], ["[!a-c]x", "dx", true],
    ["# comment", "# comment", false], ["\\#literal", "#literal", true], ["  spaced  ", "spaced", true], ["", "anything", false],
    ["*", "a", true], ["*", "a/b", true], ["*/b", "a/b", true], ["*/b", "a/c/b", false], ["a/**", "a/b/c", true], ["a/**", "a", false],
    ["**", "x/y", true], ["x/../y", "y", true], ["*.txt\n!*.txt\n*.txt", "a.txt", true], ["dir/*\n!dir/keep", "dir/keep", false],
    ["dir/*\n!dir/keep", "dir/drop", true], ["**/", "a", true],
  ];
  for (const [patterns, path, want] of cases) {
    it(`${JSON.stringify(patterns)} ${want ? "ignores" : "keeps"} ${path}`, () => assert.equal(isIgnored(parseIgnoreFile(patterns), path), want));
  }

  it("matches in linear time: a pattern that makes a backtracking regex run for ever", () => {
    const t0 = Date.now();
    const pat = parseIgnoreFile(`${"**/".repeat(40)}x`);
    assert.equal(isIgnored(pat, `${"a/".repeat(40)}y`), false);
    assert.equal(compileGlob("*a*a*a*a*a*a*a*a*a*a*b", { globstar: false })("a".repeat(200)), false);
    assert.ok(Date.now() - t0 < 1000);
  });
});

describe("stages", () => {
  const plan = (text: string, target?: string) => planStages(parseContainerfile(text).instructions, "Containerfile", target);
  it("builds only what the target needs", () => {
    const text = "ARG X\nFROM bb AS a\nRUN 1\nFROM bb AS unused\nFROM a AS b\nFROM bb\nCOPY --from=b /x /x\nRUN --mount=type=bind,from=a,target=/m true\n";
    assert.deepEqual(plan(text).build, [0, 2, 3]);
    assert.deepEqual(plan(text, "unused").build, [1]);
    assert.equal(plan(text).globalArgs.length, 1);
  });
  it("refuses what Docker refuses, with the line", () => {
    assert.throws(() => plan("RUN x\n"), /Containerfile:1: no FROM/);
    assert.throws(() => plan("FROM a AS x\nFROM b AS x\n"), /Containerfile:2: duplicate name/);
    assert.throws(() => plan("FROM a b\n"), /Containerfile:1: FROM requires either one or three arguments/);
    assert.throws(() => plan("FROM a\nBOGUS x\n"), /Containerfile:2: unknown instruction: BOGUS/);
    assert.throws(() => plan("FROM a\n", "nope"), /target "nope" was not found/);
  });
});
