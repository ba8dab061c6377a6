/**
 * The mappings of a container's own user namespace, nested in the rootless one. Pure.
 * --userns keep-id: the user's own UID and GID are the user's (podman's keep-id): container IDs
 * 0..U-1 are the rootless namespace's 1..U, U is its 0 (the user), the rest map to themselves.
 * --userns nomap: the user is not in the container at all; its IDs are the subordinate ones only.
 */

export interface IdMapping { containerID: number; hostID: number; size: number }

/** The container → rootless-namespace mapping for `id` in a namespace of `total` IDs. */
export function keepIdMapping(id: number, total: number): IdMapping[] {
  if (id <= 0 || id >= total) throw new RangeError(`ID ${id} is outside the ${total} IDs of the user namespace`);
  return [
    { containerID: 0, hostID: 1, size: id },
    { containerID: id, hostID: 0, size: 1 },
    ...(total - id - 1 > 0 ? [{ containerID: id + 1, hostID: id + 1, size: total - id - 1 }] : []),
  ];
}

/** nomap: container IDs 0..total-2 are the rootless namespace's 1..total-1 (podman's "0 1 65536"). */
export function nomapMapping(total: number): IdMapping[] {
  if (total < 2) throw new RangeError("the user namespace has no subordinate IDs");
  return [{ containerID: 0, hostID: 1, size: total - 1 }];
}

/** Where a container ID lands in the rootless namespace under `mapping` (what a file it owns must be owned by on disk). */
export function toNamespace(mapping: IdMapping[], id: number): number {
  const m = mapping.find((r) => id >= r.containerID && id < r.containerID + r.size);
  if (!m) throw new RangeError(`ID ${id} is not mapped`);
  return m.hostID + (id - m.containerID);
}

/** How many IDs a /proc/self/[ug]id_map maps. */
export function mappedTotal(map: string): number {
  return map.trim().split("\n").filter(Boolean).reduce((n, l) => n + Number(l.trim().split(/\s+/)[2] ?? 0), 0);
}
