/**
 * How every command prints data: a default table, `--format json`, or a Go template with an optional
 * `table` prefix. Pure: returns the text, the caller writes it.
 */
import { compileTemplate, toJsonValue } from "./template.js";
import { alignColumns } from "./tabwriter.js";

/** podman's test for "json" formats: `json`, `{{json}}`, `{{ json . }}` print one indented document. */
export function isJsonFormat(format: string | undefined): boolean {
  return format !== undefined && /^\s*(json|{{\s*json\.?\s*}}|{{\s*json\s+\.\s*}})\s*$/.test(format);
}

/** Indented JSON as podman prints it (4 spaces, no HTML escaping, trailing newline). */
export function toJson(v: unknown): string {
  return `${JSON.stringify(toJsonValue(v), null, 4)}\n`;
}

/** The CLI passes `\t` and `\n` as two characters; podman turns them into real ones. */
function unescape(format: string): string {
  return format.replace(/\\t/g, "\t").replace(/\\n/g, "\n");
}

/** "CreatedAt" → "CREATED AT", "ID" → "ID", as podman derives table headers from field names. */
export function headerFor(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2").toUpperCase();
}

function headerRow(template: string, headers: Record<string, string>): string {
  return template
    .split("\t")
    .map((cell) => {
      const fields = [...cell.matchAll(/\.([A-Za-z_]\w*)/g)].map((m) => m[1]);
      const name = fields[fields.length - 1];
      return name === undefined ? "" : (headers[name] ?? headerFor(name));
    })
    .join("\t");
}

export interface ListFormat {
  /** The user's --format, if any. */
  format?: string;
  /** Template for the default table, e.g. "{{.ID}}\t{{.Name}}" (no `table` prefix). */
  defaultTemplate: string;
  /** Header overrides by field name, e.g. { ID: "CONTAINER ID" }. */
  headers?: Record<string, string>;
  /** --noheading */
  noHeading?: boolean;
}

/** Renders a list of records; JSON prints one array, templates one line per record. */
export function formatList(rows: unknown[], opts: ListFormat): string {
  if (isJsonFormat(opts.format)) return toJson(rows);
  let template = opts.format === undefined || opts.format === "" ? `table ${opts.defaultTemplate}` : unescape(opts.format);
  const table = /^\s*table\b/.test(template);
  if (table) template = template.replace(/^\s*table\s?/, "") || opts.defaultTemplate;
  const render = compileTemplate(template);
  const lines = rows.map((r) => render(r).replace(/\n$/, ""));
  if (!table) return lines.map((l) => `${l}\n`).join("");
  if (!opts.noHeading) lines.unshift(headerRow(template, opts.headers ?? {}));
  return alignColumns(lines).map((l) => `${l}\n`).join("");
}

/** Renders one record: JSON as one object, a template once, otherwise the command's own text. */
export function formatObject(value: unknown, format: string | undefined, text: (v: unknown) => string): string {
  if (format === undefined || format === "") return text(value);
  if (isJsonFormat(format)) return toJson(value);
  const out = compileTemplate(unescape(format))(value);
  return out.endsWith("\n") ? out : `${out}\n`;
}

/** inspect commands: a JSON array (also for one object, as podman prints it), or a template per object. */
export function formatInspect(docs: unknown[], format: string | undefined): string {
  if (format === undefined || format === "" || /^\s*json\s*$/.test(format)) return toJson(docs);
  return docs.map((d) => formatObject(d, format, () => "")).join("");
}
