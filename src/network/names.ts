/**
 * Containers on the same user network find each other by name (and --network-alias) through their
 * /etc/hosts: a container that starts gets a line for every running peer, and each peer's hosts
 * file gets one for it (rewritten in place: the file is bind-mounted, a new inode would not be
 * seen). Its line goes again when it stops. No DNS server, no daemon. The default network, like
 * podman's, does not resolve names.
 */
import { readFileSync, writeFileSync } from "node:fs";

export interface Peer { id: string; ip: string; names: string[] }

const MARK = "# skiff peer ";

/** The hosts line of a peer, tagged with its ID so it can be taken out again. Pure. */
export function peerLine(p: Peer): string {
  return `${p.ip}\t${p.names.join(" ")}\t${MARK}${p.id.slice(0, 12)}`;
}

/** `text` without the peer's line, then with it (when `peer.ip` is set). Pure. */
export function withPeer(text: string, peer: Peer, present: boolean): string {
  const tag = `${MARK}${peer.id.slice(0, 12)}`;
  const lines = text.split("\n").filter((l) => l !== "" && !l.endsWith(tag));
  if (present) lines.push(peerLine(peer));
  return `${lines.join("\n")}\n`;
}

/** Adds or removes `peer` in a container's hosts file, in place; a file that is gone is skipped. */
export function updateHostsFile(path: string, peer: Peer, present: boolean): void {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return;
  }
  const next = withPeer(text, peer, present);
  if (next !== text) writeFileSync(path, next);
}
