/**
 * `--user` / image USER resolution against the image's own /etc/passwd and /etc/group text
 * (the caller reads them inside the rootfs without following links out of it). Pure.
 */
import { SkiffError } from "../errors.js";

export interface ResolvedUser { uid: number; gid: number; additionalGids: number[]; home: string }

const MAX_ID = 2 ** 31 - 1;

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

function parsePasswd(text: string): PasswdEntry[] {
  return text.split("\n").map((l) => l.split(":")).filter((f) => f.length >= 7 && /^\d+$/.test(f[2]) && /^\d+$/.test(f[3]))
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] }));
}

function parseGroup(text: string): GroupEntry[] {
  return text.split("\n").map((l) => l.split(":")).filter((f) => f.length >= 4 && /^\d+$/.test(f[2]))
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: f[3].split(",").filter(Boolean) }));
}

function numeric(v: string, what: string): number | undefined {
  if (!/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  if (n > MAX_ID) throw new SkiffError("INVALID_ARGUMENT", `${what} ${v} is out of range`);
  return n;
}

/**
 * user, uid, user:group, uid:gid, uid:group, user:gid (image-spec config.md). A numeric uid missing
 * from passwd gets gid 0; a name that is missing is an error. The primary gid is always among the
 * additional gids (CVE-2023-25173).
 */
export function resolveUser(spec: string, passwd: string, group: string, extraGroups: string[] = []): ResolvedUser {
  const [userPart, groupPart] = spec === "" ? ["0", undefined] : spec.split(":", 2);
  const users = parsePasswd(passwd);
  const groups = parseGroup(group);
  const uidNum = numeric(userPart, "uid");
  const entry = uidNum === undefined ? users.find((u) => u.name === userPart) : users.find((u) => u.uid === uidNum);
  if (uidNum === undefined && !entry) throw new SkiffError("NOT_FOUND", `user "${userPart}" not found in the image's /etc/passwd`);
  const uid = uidNum ?? entry!.uid;
  let gid = entry?.gid ?? 0;
  const lookupGroup = (g: string) => {
    const n = numeric(g, "gid");
    if (n !== undefined) return n;
    const hit = groups.find((x) => x.name === g);
    if (!hit) throw new SkiffError("NOT_FOUND", `group "${g}" not found in the image's /etc/group`);
    return hit.gid;
  };
  if (groupPart !== undefined && groupPart !== "") gid = lookupGroup(groupPart);
  const name = entry?.name;
  const supplementary = groupPart === undefined && name ? groups.filter((g) => g.members.includes(name)).map((g) => g.gid) : [];
  const extra = extraGroups.map(lookupGroup);
  const additionalGids = [...new Set([gid, ...supplementary, ...extra])];
  return { uid, gid, additionalGids, home: entry?.home || "/" };
}
