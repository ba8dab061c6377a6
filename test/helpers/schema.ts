/** The OCI runtime-spec JSON schema (vendored), for checking every config.json skiff writes. */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import AjvModule from "ajv-draft-04";

const schemaDir = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..", "fixtures", "runtime-spec-schema");
// a CommonJS module: its class is the default export's `default`
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as new (o: object) => import("ajv").default;
const ajv = new Ajv({ allErrors: true, strict: false });
// the published schema writes some pointers as "#definitions/x"; JSON pointers need "#/definitions/x"
for (const f of readdirSync(schemaDir).filter((f) => f.endsWith(".json"))) {
  ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, f), "utf8").replaceAll('"#definitions/', '"#/definitions/')), f);
}
export const validateSpec = ajv.getSchema("config-schema.json")!;

export function assertValidSpec(spec: unknown): void {
  const ok = validateSpec(spec);
  assert.ok(ok, JSON.stringify(validateSpec.errors?.slice(0, 3)));
}
