/**
 * Executes Go-template-style `--format` strings against plain data. Values print the way Go's
 * fmt %v prints them, so scripts written for podman see the same text. Plain objects behave like Go
 * structs (an unknown field is an error: it catches typos); `Map`s behave like Go maps (a missing
 * key prints "<no value>").
 */
import { SkiffError } from "../errors.js";
import { parseTemplate, type Node, type Operand, type Pipeline } from "./template-parse.js";

type Fn = (...args: unknown[]) => unknown;
type Vars = Map<string, unknown>;

function fail(msg: string): never {
  throw new SkiffError("INVALID_ARGUMENT", `template: ${msg}`);
}

/**
 * Go values JSON cannot tell apart, for documents that are printed both ways (inspect): a nil slice
 * or map is `null` in JSON but `[]` / `map[]` in a template, and a nil pointer that JSON omits
 * (omitempty) is still a field a template may name (it prints `<nil>`).
 */
const NIL = Symbol("go-nil");
export const goNilSlice = (): unknown[] => Object.assign([], { [NIL]: true });
export const goNilMap = (): Map<string, unknown> => Object.assign(new Map(), { [NIL]: true });
export const OMITTED_NIL = Object.freeze({ [NIL]: "omitted" });
/** An empty string JSON omits (omitempty) that a struct's %v still shows as an empty field. */
export const OMITTED_EMPTY = Object.freeze({ [NIL]: "empty" });
/** A Go map from a plain object (a template prints it as map[k:v], sorted; JSON as an object). */
export const goMap = (o: Record<string, unknown> | undefined | null): Map<string, unknown> => new Map(Object.entries(o ?? {}));
/** A Go time.Time: RFC 3339 in JSON, Go's "2006-01-02 15:04:05.999999999 -0700 MST" in a template. */
export class GoTime {
  constructor(readonly iso: string) {}
  toString(): string {
    const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(this.iso);
    if (!m) return this.iso;
    const frac = (m[3] ?? "").replace(/0+$/, "");
    const zone = m[4] === "Z" ? "+0000 UTC" : `${m[4].replace(":", "")} ${m[4].replace(":", "")}`;
    return `${m[1]} ${m[2]}${frac ? `.${frac}` : ""} ${zone}`;
  }
}

/**
 * Go field names for a document whose JSON keys are podman's json tags (info's "host", "ociRuntime"):
 * each key also answers, in templates only, to its Go name (capitalised, or `special`'s). Hidden
 * from JSON and from %v (not enumerable).
 */
export function withGoNames<T>(value: T, special: Record<string, string> = {}): T {
  if (Array.isArray(value)) value.forEach((x) => withGoNames(x, special));
  else if (value && typeof value === "object" && !(value instanceof Map) && !(value instanceof GoTime)) {
    for (const [k, x] of Object.entries(value)) {
      withGoNames(x, special);
      const go = special[k] ?? k.charAt(0).toUpperCase() + k.slice(1);
      if (go !== k && !(go in value)) Object.defineProperty(value, go, { value: x, enumerable: false });
    }
  }
  return value;
}

/** Template-only fields (podman's struct has ID where its JSON says Id). */
export function withAliases<T extends object>(value: T, aliases: Record<string, unknown>): T {
  for (const [k, v] of Object.entries(aliases)) if (!(k in value)) Object.defineProperty(value, k, { value: v, enumerable: false });
  return value;
}

const isNil = (v: unknown) => typeof v === "object" && v !== null && NIL in v;

/** Converts Maps (and nested values) into what JSON.stringify prints. */
export function toJsonValue(v: unknown): unknown {
  if (isNil(v)) return null;
  if (v instanceof GoTime) return v.iso;
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toJsonValue(x)]));
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v && typeof v === "object" && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x !== "function" && x !== OMITTED_NIL && x !== OMITTED_EMPTY).map(([k, x]) => [k, toJsonValue(x)]));
  }
  return v;
}

/** Go's %v. */
export function goString(v: unknown): string {
  if (v === undefined) return "<no value>";
  if (v === null || v === OMITTED_NIL) return "<nil>";
  if (v === OMITTED_EMPTY) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof GoTime) return v.toString();
  if (Array.isArray(v)) return `[${v.map(goString).join(" ")}]`;
  if (v instanceof Map) {
    const keys = [...v.keys()].sort();
    return `map[${keys.map((k) => `${k}:${goString(v.get(k))}`).join(" ")}]`;
  }
  if (typeof v === "object") return `{${Object.values(v).filter((x) => typeof x !== "function").map(goString).join(" ")}}`;
  return String(v);
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "" || v === OMITTED_NIL || v === OMITTED_EMPTY) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : goString(v);
}

function printf(format: unknown, ...args: unknown[]): string {
  let i = 0;
  return str(format).replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([svdqtxXf%])/g, (_m, flags: string, width: string, prec: string, verb: string) => {
    if (verb === "%") return "%";
    const a = args[i++];
    let s: string;
    switch (verb) {
      case "q": s = JSON.stringify(str(a)); break;
      case "d": s = String(Math.trunc(Number(a))); break;
      case "x": s = Math.trunc(Number(a)).toString(16); break;
      case "X": s = Math.trunc(Number(a)).toString(16).toUpperCase(); break;
      case "f": s = Number(a).toFixed(prec === undefined ? 6 : Number(prec)); break;
      default: s = str(a); if (prec !== undefined && verb === "s") s = s.slice(0, Number(prec));
    }
    const w = Number(width || 0);
    if (s.length < w) s = flags.includes("-") ? s.padEnd(w) : s.padStart(w, flags.includes("0") && verb !== "s" ? "0" : " ");
    return s;
  });
}

function indexOf(container: unknown, ...keys: unknown[]): unknown {
  let v = container;
  for (const k of keys) {
    if (v instanceof Map) v = v.get(k);
    else if (Array.isArray(v) || typeof v === "string") {
      const n = Number(k);
      if (!Number.isInteger(n) || n < 0 || n >= v.length) fail(`index out of range: ${goString(k)}`);
      v = v[n];
    } else if (v && typeof v === "object") v = (v as Record<string, unknown>)[String(k)];
    else fail(`can't index item of type ${typeof v}`);
  }
  return v;
}

function compare(op: string): Fn {
  return (a, b) => {
    const x = a as number | string, y = b as number | string;
    switch (op) {
      case "lt": return x < y;
      case "le": return x <= y;
      case "gt": return x > y;
      default: return x >= y;
    }
  };
}

/** The functions podman and docker offer in templates. */
export const TEMPLATE_FUNCS: Record<string, Fn> = {
  json: (v) => JSON.stringify(toJsonValue(v)) ?? "null",
  upper: (s) => str(s).toUpperCase(),
  lower: (s) => str(s).toLowerCase(),
  title: (s) => str(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  join: (list, sep) => (Array.isArray(list) ? list.map(str).join(str(sep)) : str(list)),
  split: (s, sep) => str(s).split(str(sep)),
  truncate: (s, n) => str(s).slice(0, Number(n)),
  pad: (s, prefix, suffix) => " ".repeat(Number(prefix)) + str(s) + " ".repeat(Number(suffix)),
  len: (v) => (v instanceof Map ? v.size : Array.isArray(v) || typeof v === "string" ? v.length : fail("len of non-collection")),
  index: indexOf,
  printf,
  print: (...a) => a.map(str).join(""),
  println: (...a) => `${a.map(str).join(" ")}\n`,
  eq: (a, ...rest) => rest.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: compare("lt"),
  le: compare("le"),
  gt: compare("gt"),
  ge: compare("ge"),
  not: (v) => !truthy(v),
  and: (...a) => a.find((v) => !truthy(v)) ?? a[a.length - 1],
  or: (...a) => a.find((v) => truthy(v)) ?? a[a.length - 1],
};

function field(v: unknown, name: string, args: unknown[]): unknown {
  if (v instanceof Map) return v.get(name);
  if (v === null || v === undefined || typeof v !== "object") fail(`can't evaluate field ${name} in type ${v === null ? "nil" : typeof v}`);
  if (!(name in v)) fail(`can't evaluate field ${name}`);
  const x = (v as Record<string, unknown>)[name];
  return typeof x === "function" ? (x as Fn).apply(v, args) : x;
}

function evalOperand(op: Operand, dot: unknown, vars: Vars, args: unknown[]): unknown {
  if (op.kind === "literal") return op.value;
  if (op.kind === "ident") {
    const fn = TEMPLATE_FUNCS[op.name];
    if (!fn) fail(`function "${op.name}" not defined`);
    return fn(...args);
  }
  let v: unknown;
  if (op.base === "dot") v = dot;
  else if ("variable" in op.base) {
    if (!vars.has(op.base.variable)) fail(`undefined variable: ${op.base.variable}`);
    v = vars.get(op.base.variable);
  } else v = evalPipeline(op.base.sub, dot, vars);
  op.path.forEach((name, i) => { v = field(v, name, i === op.path.length - 1 ? args : []); });
  return v;
}

function evalPipeline(pipe: Pipeline, dot: unknown, vars: Vars): unknown {
  let prev: unknown[] = [];
  let result: unknown;
  for (const cmd of pipe.commands) {
    const [head, ...rest] = cmd.operands;
    const args = [...rest.map((o) => evalOperand(o, dot, vars, [])), ...prev];
    if (head.kind !== "ident" && head.kind !== "field" && args.length > 0) fail("can't give argument to non-function");
    result = evalOperand(head, dot, vars, args);
    prev = [result];
  }
  if (pipe.decl.length === 1) vars.set(pipe.decl[0], result);
  return result;
}

function entriesOf(v: unknown): [unknown, unknown][] {
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (v instanceof Map) return [...v.keys()].sort().map((k) => [k, v.get(k)]);
  if (v === null || v === undefined) return [];
  if (typeof v === "object") return Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]);
  if (typeof v === "number") return Array.from({ length: v }, (_x, i) => [i, i]);
  return fail(`range can't iterate over ${goString(v)}`);
}

function execNodes(nodes: Node[], dot: unknown, vars: Vars, out: string[]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case "text": out.push(node.text); break;
      case "action": {
        const v = evalPipeline(node.pipe, dot, vars);
        if (node.pipe.decl.length === 0) out.push(goString(v));
        break;
      }
      case "if":
      case "with": {
        const v = evalPipeline(node.pipe, dot, vars);
        if (truthy(v)) execNodes(node.then, node.kind === "with" ? v : dot, new Map(vars), out);
        else execNodes(node.otherwise, dot, new Map(vars), out);
        break;
      }
      case "range": {
        const decl = node.pipe.decl;
        const items = entriesOf(evalPipeline({ ...node.pipe, decl: [] }, dot, vars));
        if (items.length === 0) execNodes(node.otherwise, dot, new Map(vars), out);
        for (const [k, x] of items) {
          const scope = new Map(vars);
          if (decl.length === 1) scope.set(decl[0], x);
          if (decl.length === 2) { scope.set(decl[0], k); scope.set(decl[1], x); }
          execNodes(node.body, x, scope, out);
        }
        break;
      }
    }
  }
}

export interface CompiledTemplate {
  (data: unknown): string;
}

/** Parses once; the result renders one value per call. */
export function compileTemplate(src: string): CompiledTemplate {
  const tree = parseTemplate(src);
  return (data) => {
    const out: string[] = [];
    execNodes(tree, data, new Map([["$", data]]), out);
    return out.join("");
  };
}
