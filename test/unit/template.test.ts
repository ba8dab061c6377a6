import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileTemplate, goString } from "../../src/output/template.js";
import { SkiffError } from "../../src/errors.js";

const data = {
  Names: ["web", "db"],
  Id: "0123456789abcdef",
  State: { Status: "running", ExitCode: 0, Pid: 42 },
  Labels: new Map([["app", "shop"], ["tier", "front"]]),
  Empty: [],
  Label(this: { Labels: Map<string, string> }, k: string) { return this.Labels.get(k) ?? ""; },
};

const cases: [string, string][] = [
  ["{{.Id}}", "0123456789abcdef"],
  ["{{.State.Status}} {{.State.ExitCode}}", "running 0"],
  ["{{.Names}}", "[web db]"],
  ["{{.Labels}}", "map[app:shop tier:front]"],
  ["{{.Labels.app}} {{.Labels.missing}}", "shop <no value>"],
  ["{{json .Names}}", '["web","db"]'],
  ["{{json .Labels}}", '{"app":"shop","tier":"front"}'],
  ["{{upper .State.Status}}|{{lower \"ABC\"}}", "RUNNING|abc"],
  ["{{join .Names \",\"}}", "web,db"],
  ["{{truncate .Id 12}}", "0123456789ab"],
  ["{{.Id | printf \"%.4s\"}}", "0123"],
  ["{{.State.Status | upper | lower}}", "running"],
  ["{{index .Labels \"tier\"}} {{index .Names 1}}", "front db"],
  ["{{len .Names}}", "2"],
  ["{{printf \"%-5s|%3d|%q\" \"ab\" 7 \"x\"}}", 'ab   |  7|"x"'],
  ["{{if eq .State.Status \"running\"}}up{{else}}down{{end}}", "up"],
  ["{{if .Empty}}some{{else if .Names}}names{{else}}none{{end}}", "names"],
  ["{{range .Names}}<{{.}}>{{end}}", "<web><db>"],
  ["{{range $i, $n := .Names}}{{$i}}={{$n}} {{end}}", "0=web 1=db "],
  ["{{range $k, $v := .Labels}}{{$k}}:{{$v}};{{end}}", "app:shop;tier:front;"],
  ["{{range .Empty}}x{{else}}empty{{end}}", "empty"],
  ["{{with .State}}{{.Pid}}{{end}}", "42"],
  ["{{.Label \"app\"}}", "shop"],
  ["a {{- \" b \" -}} c", "a b c"],
  ["{{/* comment */}}ok", "ok"],
  ["{{(index .Names 0) | upper}}", "WEB"],
  ["{{$.Id | printf \"%.2s\"}}", "01"],
];

describe("Go template subset", () => {
  for (const [tpl, want] of cases) {
    it(`renders ${tpl}`, () => assert.equal(compileTemplate(tpl)(data), want));
  }

  it("rejects unknown fields, functions and broken syntax", () => {
    for (const bad of ["{{.Nmes}}", "{{frob .Id}}", "{{if .Id}}x", "{{end}}", "{{.Id", "{{else}}"]) {
      assert.throws(() => compileTemplate(bad)(data), SkiffError, bad);
    }
  });

  it("prints values as Go's %v does", () => {
    assert.equal(goString(undefined), "<no value>");
    assert.equal(goString(null), "<nil>");
    assert.equal(goString([1, [2, 3]]), "[1 [2 3]]");
    assert.equal(goString({ A: 1, B: "x" }), "{1 x}");
    assert.equal(goString(true), "true");
  });
});
