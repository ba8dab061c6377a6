/** Which JavaScript runtime runs this process; decides which src/sys implementation is loaded. */
export type JsRuntime = "bun" | "deno" | "node";

declare const Bun: { version: string } | undefined;
declare const Deno: { version: { deno: string } } | undefined;

export function jsRuntime(): JsRuntime {
  if (typeof Bun !== "undefined") return "bun";
  if (typeof Deno !== "undefined") return "deno";
  return "node";
}

/** "bun 1.4.5", "deno 2.9.6" or "node 20.20.2". */
export function jsRuntimeVersion(): string {
  switch (jsRuntime()) {
    case "bun":
      return `bun ${Bun!.version}`;
    case "deno":
      return `deno ${Deno!.version.deno}`;
    default:
      return `node ${process.versions.node}`;
  }
}
