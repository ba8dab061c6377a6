/**
 * --detach-keys: a key sequence typed on an attached stdin ("ctrl-p,ctrl-q" by default, as
 * podman) that leaves the container running and ends the attach. Pure.
 */
import { SkiffError } from "../errors.js";

/** "ctrl-p,ctrl-q" → [0x10, 0x11]; "" → [] (never detach). */
export function parseDetachKeys(spec: string): number[] {
  if (spec === "") return [];
  return spec.split(",").map((k) => {
    const ctrl = /^ctrl-(.)$/.exec(k);
    if (ctrl) {
      const c = ctrl[1].toLowerCase();
      if (/[a-z@[\\\]^_]/.test(c)) return c.toUpperCase().charCodeAt(0) & 0x1f;
    } else if (k.length === 1) return k.charCodeAt(0);
    throw new SkiffError("INVALID_ARGUMENT", `invalid detach key "${k}"`, { hint: 'use letters or ctrl-<letter>, comma-separated, e.g. "ctrl-p,ctrl-q"' });
  });
}

/**
 * A filter over stdin chunks: bytes that might begin the sequence are held back until they do not
 * (then passed on) or complete it (then `detached`).
 */
export function detachMatcher(keys: number[]): (chunk: Buffer) => { forward: Buffer; detached: boolean } {
  let held: number[] = [];
  return (chunk) => {
    if (keys.length === 0) return { forward: chunk, detached: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === keys[held.length]) {
        held.push(b);
        if (held.length === keys.length) return { forward: Buffer.from(out), detached: true };
        continue;
      }
      out.push(...held);
      held = b === keys[0] ? [b] : [];
      if (held.length === 0) out.push(b);
    }
    return { forward: Buffer.from(out), detached: false };
  };
}
