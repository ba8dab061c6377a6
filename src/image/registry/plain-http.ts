/**
 * Which registries answered only over plain HTTP, remembered under the runroot: a loopback or
 * insecure registry is tried over HTTPS first, and the failed TLS handshake cost every later push
 * and pull of it ~2.5 ms of a ~15 ms run (measured, bench/push.sh). Only a hint: the client uses
 * it only where plain HTTP is allowed anyway, and goes back to HTTPS when HTTP fails (client.ts).
 * It is a cache, so a lost update (two commands writing at once) or an unreadable file costs one
 * handshake, nothing else; it lives on the runroot so a reboot forgets it.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { readSmallFile } from "../../util/bounded-file.js";

export interface PlainHttpMemo {
  /** Whether `host` answered over plain HTTP the last time. */
  known(host: string): boolean;
  /** Records what `host` answered over. */
  remember(host: string, plain: boolean): void;
}

const MAX_HOSTS = 64;
const MAX_BYTES = 64 << 10;

/** The hosts in the file's text; anything unexpected reads as none. */
export function parsePlainHosts(text: string): string[] {
  try {
    const doc = JSON.parse(text) as { hosts?: unknown };
    return Array.isArray(doc.hosts) ? doc.hosts.filter((h): h is string => typeof h === "string" && h.length <= 300).slice(-MAX_HOSTS) : [];
  } catch {
    return [];
  }
}

/** `hosts` with `host` added (last, so the oldest go first past the bound) or removed. */
export function updatePlainHosts(hosts: string[], host: string, plain: boolean): string[] {
  const rest = hosts.filter((h) => h !== host);
  return plain ? [...rest, host].slice(-MAX_HOSTS) : rest;
}

export function plainHttpMemo(runroot: string): PlainHttpMemo {
  const path = join(runroot, "plain-http.json");
  const read = (): string[] => {
    try {
      return parsePlainHosts(readSmallFile(path, "plain-http memo", MAX_BYTES));
    } catch {
      return [];
    }
  };
  return {
    known: (host) => read().includes(host),
    remember(host, plain) {
      const hosts = read();
      const next = updatePlainHosts(hosts, host, plain);
      if (next.length === hosts.length && next.every((h, i) => h === hosts[i])) return;
      try {
        mkdirSync(runroot, { recursive: true, mode: 0o700 });
        writeFileAtomic(path, JSON.stringify({ hosts: next }), 0o644, false);
      } catch {
        // a runroot that cannot be written (read-only, full): the next run shakes hands again
      }
    },
  };
}
