/**
 * Containers on the same user network find each other by name (and --network-alias) through their
 * /etc/hosts: a container that starts gets a line for every running peer, and each peer's hosts
 * file gets one for it (rewritten in place: the file is bind-mounted, a new inode would not be
 * seen). Its line goes again when it stops. No DNS server, no daemon. The default network, like
 * podman's, does not resolve names.
 */
import { readFileSync, writeFileSync } from "node:fs";

/** A container as seen by the others on one network. */
export interface Peer { id: string; ip: string; names: string[]; network: string }

const MARK = "# skiff peer ";
const tagOf = (p: Pick<Peer, "id" | "network">) => `${MARK}${p.id.slice(0, 12)} ${p.network}`;

/** The hosts line of a peer, tagged with its ID and network so it can be taken out again. Pure. */
export function peerLine(p: Peer): string {
  return `${p.ip}\t${p.names.join(" ")}\t${tagOf(p)}`;
}

/** `text` without the peer's line on its network, then with it when `present`. Pure. */
export function withPeer(text: string, peer: Peer, present: boolean): string {
  const tag = tagOf(peer);
  const lines = text.split("\n").filter((l) => l !== "" && !l.endsWith(tag));
  if (present) lines.push(peerLine(peer));
  return `${lines.join("\n")}\n`;
}

/** `text` without any peer line of `network` (the container left it). Pure. */
export function withoutNetwork(text: string, network: string): string {
  const lines = text.split("\n").filter((l) => l !== "" && !(l.includes(`\t${MARK}`) && l.endsWith(` ${network}`)));
  return `${lines.join("\n")}\n`;
}

/** Rewrites a container's hosts file in place; a file that is gone is skipped. */
export function editHostsFile(path: string, edit: (text: string) => string): void {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return;
  }
  const next = edit(text);
  if (next !== text) writeFileSync(path, next);
}

/** Adds or removes `peer` in a container's hosts file, in place. */
export function updateHostsFile(path: string, peer: Peer, present: boolean): void {
  editHostsFile(path, (text) => withPeer(text, peer, present));
}
