/**
 * A container's OCI bundle under --runroot: its rootfs (rootfs.ts), network, etc files and
 * config.json, built at every start from the stored definition. Nothing here reads a path of the
 * image without chroot-style resolution.
 */
import { existsSync, mkdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../errors.js";
import { readFileIn } from "../snapshot/rooted.js";
import { boundingCapsFromStatus, hardLimitsFromProc } from "../spec/values.js";
import { resolveUser } from "../spec/user.js";
import type { Mount } from "../spec/types.js";
import type { HostDevice } from "../spec/build.js";
import type { Sys } from "../sys/index.js";
import { devMajor, devMinor } from "../sys/types.js";
import type { ImageConfig } from "../image/manifest.js";
import { writeFileAtomic } from "../util/atomic.js";
import { announce, attachNetwork, detachNetwork } from "../network/attach.js";
import { networkView } from "../network/attachment.js";
import { networkInterfaces } from "node:os";
import { peerLine } from "../network/names.js";
import { getNetwork } from "../network/store.js";
import { bundleDir, userdataDir, type ContainerPaths } from "./paths.js";
import type { ContainerRecord } from "./record.js";
import { imageMount } from "./image-mounts.js";
import { bridgeNetworks, isBridged } from "./options.js";
import { containerSpec } from "./spec.js";
import { containerEnvFile, groupLineFor, hostsFile, hostUserLine, passwdLineFor, resolvConf } from "./etc-files.js";
import { appendFileIn } from "../snapshot/rooted.js";
import { VERSION } from "../version.js";
import { copyUpVolumes } from "../volume/copy-up.js";
import { deviceMount, deviceOf } from "../volume/device.js";
import { findVolume } from "../volume/store.js";
import type { ResolvedUser } from "../spec/user.js";
import { readRecord, readState } from "./store.js";
import { inUserNamespace } from "../rootless/userns.js";
import { cgroupsDelegated } from "../rootless/cgroups.js";
import { makeReachable } from "../rootless/reachable.js";
import { readHostFile as hostFile } from "../host/facts.js";
import { containerMappings, prepareRootfs, unmountRootfs } from "./rootfs.js";
import { makeUsernsFile, removeNsFile, usernsFile } from "../rootless/container-userns.js";

/** A file of the image read inside its root; "" when absent or not a regular file. */
export function readImageFile(rootfs: string, path: string): string {
  return readFileIn(rootfs, path, MAX_ETC_FILE);
}

/** /etc/passwd and /etc/group larger than this are refused (an image could make them endless). */
const MAX_ETC_FILE = 8 << 20;


/** The host's first external IPv4 address (host.containers.internal of a --network host container). */
function hostAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  return undefined;
}

/** /etc/hostname, /etc/hosts and /etc/resolv.conf of the container, as bind mounts. */
function etcMounts(p: ContainerPaths, rec: ContainerRecord, ip?: string, peerLines: string[] = [], gateway?: string): Mount[] {
  const dir = userdataDir(p, rec.id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostNet = rec.options.network === "host";
  const files: [string, string][] = [
    ["hostname", `${rec.hostname}\n`],
    ["hosts", hostsFile(hostFile("/etc/hosts"), hostNet, rec.hostname, rec.name, ip, rec.options.addHost, hostNet ? hostAddress() : gateway) + peerLines.map((l) => `${l}\n`).join("")],
    // slirp4netns answers DNS itself, at its own address (podman puts it first)
    ["resolv.conf", resolvConf(hostFile("/etc/resolv.conf"), hostNet, rec.options, rec.options.network === "slirp4netns" ? "10.0.2.3" : undefined)],
  ];
  const mounts: Mount[] = [];
  for (const [name, text] of files) {
    const file = join(dir, name);
    // written at every start: the address may change
    writeFileAtomic(file, text, 0o644, false);
    mounts.push({ destination: `/etc/${name}`, type: "bind", source: file, options: ["rbind", "rprivate", rec.options.readOnly ? "ro" : "rw"] });
  }
  return mounts;
}

/**
 * As podman does before a container starts: a --user UID (and GID) the image does not know gets a
 * line in the container's own /etc/passwd (and /etc/group), and so do --hostuser users. Written
 * into the container's layer through fds resolved inside its root, once (a restart finds them).
 */
function addUserEntries(rootfs: string, rec: ContainerRecord, user: ResolvedUser, passwd: string, group: string): void {
  const lines: string[] = [];
  for (const name of rec.options.hostUsers ?? []) {
    const line = hostUserLine(hostFile("/etc/passwd"), `${passwd}\n${lines.join("\n")}`, name);
    if (line) lines.push(line);
  }
  const own = passwdLineFor(`${passwd}\n${lines.join("\n")}`, user.uid, user.gid);
  if (own) lines.push(own);
  const sep = (text: string) => (text && !text.endsWith("\n") ? "\n" : "");
  if (lines.length) appendFileIn(rootfs, "/etc/passwd", sep(passwd) + lines.map((l) => `${l}\n`).join(""));
  const g = groupLineFor(group, user.gid, user.uid);
  if (g) appendFileIn(rootfs, "/etc/group", `${sep(group)}${g}\n`);
}

/** /run/.containerenv (podman's marker for "in a container") and, with --tz, /etc/localtime. */
function runMounts(p: ContainerPaths, rec: ContainerRecord): Mount[] {
  const file = join(userdataDir(p, rec.id), "containerenv");
  writeFileAtomic(file, containerEnvFile(rec.options.privileged, { name: rec.name, id: rec.id, image: rec.image.name, imageId: rec.image.id.slice(7), version: VERSION }), 0o644, false);
  const mounts: Mount[] = [{ destination: "/run/.containerenv", type: "bind", source: file, options: ["rbind", "rprivate", "ro"] }];
  const tz = rec.options.tz;
  if (tz) mounts.push({ destination: "/etc/localtime", type: "bind", source: tz === "local" ? realpathSync("/etc/localtime") : join(ZONEINFO, tz), options: ["rbind", "rprivate", "ro"] });
  return mounts;
}

/** Where the host's time zone files are (--tz NAME). */
export const ZONEINFO = "/usr/share/zoneinfo";

function userMounts(p: ContainerPaths, rec: ContainerRecord): Mount[] {
  return rec.mounts.map((m, i): Mount => {
    if (m.type === "image") return imageMount(p, rec.id, m, i);
    const device = m.type === "volume" && m.name ? deviceOf(findVolume(p.root, m.name)?.Options ?? {}) : undefined;
    if (device) return deviceMount(device, m.destination, m.rw);
    if (m.type === "tmpfs") return { destination: m.destination, type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", m.rw ? "rw" : "ro", ...m.options] };
    return { destination: m.destination, type: "bind", source: m.source, options: ["rbind", "rprivate", m.rw ? "rw" : "ro", ...m.options] };
  });
}

/** --device paths on the host → device nodes for the spec. */
export function hostDevices(rec: ContainerRecord): HostDevice[] {
  return (rec.options.devices ?? []).map((d) => {
    let st;
    try {
      st = statSync(d.host);
    } catch {
      throw new SkiffError("NOT_FOUND", `device ${d.host}: no such file or directory`);
    }
    if (!st.isCharacterDevice() && !st.isBlockDevice()) throw new SkiffError("INVALID_ARGUMENT", `${d.host} is not a device`);
    const rdev = st.rdev;
    return {
      path: d.container, type: st.isCharacterDevice() ? "c" : "b",
      major: devMajor(rdev), minor: devMinor(rdev),
      fileMode: st.mode & 0o777, uid: 0, gid: 0, access: d.perms,
    };
  });
}

/** Where --init finds catatonit (podman's init), a static binary mounted into the container. */
const INIT_CANDIDATES = ["/usr/libexec/podman/catatonit", "/usr/bin/catatonit", "/usr/libexec/catatonit/catatonit", "/usr/local/bin/catatonit"];
export const INIT_PATH = "/run/skiff-init";

function initMount(rec: ContainerRecord): Mount[] {
  if (!rec.options.init) return [];
  const found = INIT_CANDIDATES.find((c) => existsSync(c));
  if (!found) throw new SkiffError("NOT_FOUND", "--init needs catatonit", { hint: "apt-get install catatonit" });
  return [{ destination: INIT_PATH, type: "bind", source: found, options: ["rbind", "ro", "rprivate"] }];
}

/** --network container:ID: the network namespace of that container's init, which must be running. */
function joinedNetns(p: ContainerPaths, id: string): string {
  const other = readRecord(p, id);
  const pid = other ? readState(p, id).pid : undefined;
  if (!other || !pid || !existsSync(`/proc/${pid}/ns/net`)) {
    throw new SkiffError("FAILED_PRECONDITION", `--network container:${other?.name ?? id.slice(0, 12)}: that container is not running`);
  }
  return `/proc/${pid}/ns/net`;
}

/** --network slirp4netns or pasta: loaded only for a container that has one. */
async function attachUserModeNetwork(runroot: string, rec: ContainerRecord, who: { names: string[]; hostsFile: string; userns?: string }) {
  const [{ attachUserMode }, backend] = await Promise.all([
    import("../network/usermode.js"),
    rec.options.network === "pasta" ? import("../network/pasta.js").then((m) => m.pasta) : import("../network/slirp.js").then((m) => m.slirp4netns),
  ]);
  return attachUserMode(runroot, rec.id, rec.options.publish ?? [], who, backend);
}

/** Mounts the rootfs, joins the network and writes config.json; returns the bundle directory. */
export async function prepareBundle(p: ContainerPaths, rec: ContainerRecord, image: ImageConfig, sys: Sys): Promise<string> {
  const rootfs = await prepareRootfs(p, rec, sys);
  const joined = rec.options.network.startsWith("container:") ? joinedNetns(p, rec.options.network.slice("container:".length)) : undefined;
  const nets = bridgeNetworks(rec.options).map((n) => getNetwork(p.root, n));
  // host and none have no namespace to set up; a container whose networks were all disconnected
  // still gets one of its own (with only lo)
  const bridged = isBridged(rec.options.network) || Boolean(rec.options.networks);
  const userMode = rec.options.network === "slirp4netns" || rec.options.network === "pasta";
  try {
    const hostsPath = join(userdataDir(p, rec.id), "hosts");
    // podman's: peers reach a container by its name, its aliases and its short ID
    const names = [rec.name, ...(rec.options.networkAliases ?? []), rec.id.slice(0, 12)];
    // keep-id: the container's user namespace first, so its network namespace can be its own
    const keepId = containerMappings(rec);
    const userns = keepId ? usernsFile(p.runroot, rec.id) : undefined;
    if (keepId && userns) await makeUsernsFile(userns, keepId.uidMappings, keepId.gidMappings);
    const att = bridged
      ? await attachNetwork(p.runroot, rec.id, nets, rec.options.publish ?? [], { names, hostsFile: hostsPath, aliases: rec.options.linkAliases, userns })
      : userMode ? await attachUserModeNetwork(p.runroot, rec, { names, hostsFile: hostsPath, userns }) : undefined;
    // on user networks, peers know each other by name: theirs go in this hosts file, this one in theirs
    const peers = bridged ? (att?.links ?? []).flatMap((link) => announce(p.runroot, rec.id, link)) : [];
    await copyUpVolumes(p.root, join(p.runroot, "locks"), rootfs, rec.mounts.filter((m) => m.type === "volume" && m.name).map((m) => ({ name: m.name!, destination: m.destination })), sys);
    const passwd = readImageFile(rootfs, "/etc/passwd"), group = readImageFile(rootfs, "/etc/group");
    const user = resolveUser(rec.options.user ?? image.config?.User ?? "", passwd, group, rec.options.groupAdd);
    // a build step's changes are the image's: no passwd lines of podman's own in them
    if (rec.purpose !== "build") addUserEntries(rootfs, rec, user, passwd, group);
    const spec = containerSpec({
      image,
      options: rec.options,
      userArgs: rec.userArgs,
      user,
      hardLimits: hardLimitsFromProc(hostFile("/proc/self/limits")),
      boundingCaps: boundingCapsFromStatus(hostFile("/proc/self/status")),
      rootfs,
      hostname: rec.hostname,
      mounts: [...etcMounts(p, rec, att?.links[0]?.ip, peers.map((x) => peerLine(x)), att ? networkView(att).links[0]?.gateway : undefined), ...runMounts(p, rec), ...userMounts(p, rec), ...initMount(rec)],
      netns: att?.netns ?? joined,
      devices: hostDevices(rec),
      init: rec.options.init ? INIT_PATH : undefined,
      noCgroups: inUserNamespace() && !cgroupsDelegated(),
      rootless: inUserNamespace(),
      userns: keepId && userns ? { ...keepId, path: userns } : undefined,
    });
    if (rec.options.nomap) for (const m of spec.mounts ?? []) if (m.type === "bind" && m.source?.startsWith(`${p.root}/`)) makeReachable(m.source, "--userns nomap");
    const dir = bundleDir(p, rec.id);
    writeFileAtomic(join(dir, "config.json"), JSON.stringify(spec), 0o644, false);
    return dir;
  } catch (err) {
    if (bridged || userMode) await detachNetwork(p.runroot, rec.id).catch(() => undefined);
    unmountRootfs(p, rec, sys);
    if (rec.options.keepId || rec.options.nomap) removeNsFile(usernsFile(p.runroot, rec.id));
    throw err;
  }
}

