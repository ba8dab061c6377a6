/**
 * Parser for the subset of Go's text/template that podman users write in `--format`: field chains,
 * variables, literals, function calls, pipelines, parentheses, and if/else/range/with/end, with
 * `{{-` / `-}}` trimming. Produces a small tree that template.ts executes.
 */
import { SkiffError } from "../errors.js";

export type Operand =
  | { kind: "field"; base: "dot" | { variable: string } | { sub: Pipeline }; path: string[] }
  | { kind: "literal"; value: unknown }
  | { kind: "ident"; name: string };

export interface Command { operands: Operand[] }
export interface Pipeline { decl: string[]; commands: Command[] }

export type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipe: Pipeline }
  | { kind: "if" | "with"; pipe: Pipeline; then: Node[]; otherwise: Node[] }
  | { kind: "range"; pipe: Pipeline; body: Node[]; otherwise: Node[] };

type Tok = { t: "field" | "var" | "str" | "num" | "ident" | "punct"; v: string };

function fail(msg: string): never {
  throw new SkiffError("INVALID_ARGUMENT", `invalid --format template: ${msg}`);
}

const TOKEN_RE =
  /\s*(?:(\.[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*|\.)|(\$[\w]*(?:\.[A-Za-z_][\w]*)*)|("(?:[^"\\]|\\.)*"|`[^`]*`)|(-?\d+(?:\.\d+)?)|([A-Za-z_][\w]*)|(:=|[|(),=]))/y;

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN_RE.lastIndex = pos;
    const m = TOKEN_RE.exec(src);
    if (!m) fail(`unexpected "${src.slice(pos).trim()}" in action`);
    pos = TOKEN_RE.lastIndex;
    if (m[1]) toks.push({ t: "field", v: m[1] });
    else if (m[2]) toks.push({ t: "var", v: m[2] });
    else if (m[3]) toks.push({ t: "str", v: m[3] });
    else if (m[4]) toks.push({ t: "num", v: m[4] });
    else if (m[5]) toks.push({ t: "ident", v: m[5] });
    else toks.push({ t: "punct", v: m[6] });
  }
  return toks;
}

function unquote(s: string): string {
  if (s.startsWith("`")) return s.slice(1, -1);
  try {
    return JSON.parse(s) as string;
  } catch {
    return fail(`bad string literal ${s}`);
  }
}

function splitPath(ref: string): string[] {
  return ref.split(".").filter((p) => p !== "");
}

function parsePipeline(toks: Tok[], pos: { i: number }, closing?: string): Pipeline {
  const decl: string[] = [];
  // "$x :=" or "$k, $v :=" declarations (only plain variables, no field chains)
  const save = pos.i;
  while (toks[pos.i]?.t === "var" && !toks[pos.i].v.includes(".", 1)) {
    decl.push(toks[pos.i].v);
    pos.i++;
    if (toks[pos.i]?.v === ",") { pos.i++; continue; }
    break;
  }
  if (decl.length > 0 && (toks[pos.i]?.v === ":=" || toks[pos.i]?.v === "=")) pos.i++;
  else { decl.length = 0; pos.i = save; }

  const commands: Command[] = [];
  let operands: Operand[] = [];
  while (pos.i < toks.length) {
    const tok = toks[pos.i];
    if (tok.v === closing && tok.t === "punct") break;
    pos.i++;
    if (tok.t === "punct" && tok.v === "|") {
      if (operands.length === 0) fail("missing command before |");
      commands.push({ operands });
      operands = [];
    } else if (tok.t === "punct" && tok.v === "(") {
      const sub = parsePipeline(toks, pos, ")");
      if (toks[pos.i]?.v !== ")") fail("unclosed (");
      pos.i++;
      const next = toks[pos.i];
      let path: string[] = [];
      if (next?.t === "field" && next.v !== ".") { path = splitPath(next.v); pos.i++; }
      operands.push({ kind: "field", base: { sub }, path });
    } else if (tok.t === "field") {
      operands.push({ kind: "field", base: "dot", path: splitPath(tok.v) });
    } else if (tok.t === "var") {
      const [name, ...rest] = tok.v.split(".");
      operands.push({ kind: "field", base: { variable: name }, path: rest });
    } else if (tok.t === "str") {
      operands.push({ kind: "literal", value: unquote(tok.v) });
    } else if (tok.t === "num") {
      operands.push({ kind: "literal", value: Number(tok.v) });
    } else if (tok.t === "ident") {
      if (tok.v === "true" || tok.v === "false") operands.push({ kind: "literal", value: tok.v === "true" });
      else if (tok.v === "nil") operands.push({ kind: "literal", value: null });
      else operands.push({ kind: "ident", name: tok.v });
    } else {
      fail(`unexpected "${tok.v}"`);
    }
  }
  if (operands.length > 0) commands.push({ operands });
  if (commands.length === 0) fail("missing value for command");
  return { decl, commands };
}

function parseActionPipeline(src: string): Pipeline {
  const toks = tokenize(src);
  const pos = { i: 0 };
  const pipe = parsePipeline(toks, pos);
  if (pos.i !== toks.length) fail(`unexpected "${toks[pos.i].v}"`);
  return pipe;
}

interface Frame { node: Node; into: "then" | "otherwise" }

/** Parses a template into a tree; throws SkiffError(INVALID_ARGUMENT) with the reason. */
export function parseTemplate(src: string): Node[] {
  const root: Node[] = [];
  const stack: Frame[] = [];
  const current = (): Node[] => {
    const top = stack[stack.length - 1];
    if (!top) return root;
    const n = top.node as Extract<Node, { kind: "if" | "with" | "range" }>;
    if (top.into === "otherwise") return n.otherwise;
    return n.kind === "range" ? n.body : n.then;
  };
  let pos = 0;
  let trimNextText = false;
  while (pos <= src.length) {
    const open = src.indexOf("{{", pos);
    let text = open === -1 ? src.slice(pos) : src.slice(pos, open);
    if (trimNextText) text = text.replace(/^\s+/, "");
    if (open === -1) {
      if (text) current().push({ kind: "text", text });
      break;
    }
    const close = src.indexOf("}}", open + 2);
    if (close === -1) fail("unclosed action");
    let body = src.slice(open + 2, close);
    if (body.startsWith("- ") || body === "-") { text = text.replace(/\s+$/, ""); body = body.slice(1); }
    trimNextText = body.endsWith(" -");
    if (trimNextText) body = body.slice(0, -1);
    if (text) current().push({ kind: "text", text });
    pos = close + 2;
    body = body.trim();
    if (body.startsWith("/*")) continue;
    const word = /^(\w+)\b\s*([\s\S]*)$/.exec(body);
    const keyword = word?.[1];
    const rest = word?.[2] ?? "";
    if (keyword === "if" || keyword === "with" || keyword === "range") {
      const pipe = parseActionPipeline(rest);
      const node: Node = keyword === "range"
        ? { kind: "range", pipe, body: [], otherwise: [] }
        : { kind: keyword, pipe, then: [], otherwise: [] };
      current().push(node);
      stack.push({ node, into: "then" });
    } else if (keyword === "else") {
      const top = stack[stack.length - 1];
      if (!top || top.into === "otherwise") fail("unexpected {{else}}");
      top.into = "otherwise";
      const chained = /^(if|with)\b\s*([\s\S]*)$/.exec(rest);
      if (chained) {
        // {{else if x}} is sugar for {{else}}{{if x}}...{{end}}, closed by the same {{end}}
        const node: Node = { kind: chained[1] as "if" | "with", pipe: parseActionPipeline(chained[2]), then: [], otherwise: [] };
        current().push(node);
        stack.push({ node, into: "then" });
        (node as { chained?: boolean }).chained = true;
      }
    } else if (keyword === "end") {
      if (stack.length === 0) fail("unexpected {{end}}");
      while ((stack.pop()!.node as { chained?: boolean }).chained) { /* close the whole else-if chain */ }
    } else {
      current().push({ kind: "action", pipe: parseActionPipeline(body) });
    }
  }
  if (stack.length > 0) fail("missing {{end}}");
  return root;
}
