/**
 * Volumes of the local driver that name a file system (`volume create -o type=… -o device=… -o o=…`):
 * what the options mean, checked at create, and the spec mount that puts the file system at the
 * container's destination. runc mounts it in the container's own namespace, so nothing stays
 * mounted on the host when the container stops (podman mounts it on the host at the volume's
 * _data while containers use it; a tmpfs is then shared by them, here each container has its own:
 * docs/differences.md). Pure.
 */
import { SkiffError } from "../errors.js";
import type { Mount } from "../spec/types.js";

export interface DeviceOptions { type: string; device: string; options: string[] }

const FS_TYPE = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** The file system a volume's options name, or undefined for a plain directory volume. */
export function deviceOf(options: Record<string, string>): DeviceOptions | undefined {
  const type = options.type;
  if (type === undefined) {
    if (options.device !== undefined) throw new SkiffError("INVALID_ARGUMENT", "volume option device= needs type= (none for a bind mount, tmpfs, or a file system type)");
    return undefined;
  }
  if (!FS_TYPE.test(type)) throw new SkiffError("INVALID_ARGUMENT", `invalid volume option type=${type}`, { hint: "none (with o=bind), tmpfs, or a file system type such as ext4" });
  const parts = (options.o ?? "").split(",").filter(Boolean);
  for (const p of parts) if (!/^[A-Za-z0-9_.-]+(=[^,\s]*)?$/.test(p)) throw new SkiffError("INVALID_ARGUMENT", `invalid volume mount option "${p}"`);
  const device = options.device ?? (type === "tmpfs" ? "tmpfs" : "");
  if (!device) throw new SkiffError("INVALID_ARGUMENT", `volume option type=${type} needs device=`);
  if (type === "none") {
    if (!parts.some((p) => p === "bind" || p === "rbind")) throw new SkiffError("INVALID_ARGUMENT", "volume option type=none needs o=bind (or rbind)");
    if (!device.startsWith("/")) throw new SkiffError("INVALID_ARGUMENT", `volume option device=${device}: a bind mount source must be an absolute path`);
  }
  return { type, device, options: parts };
}

/** The spec mount of a device volume at `destination` (`rw`: as the -v/--mount flag asked). */
export function deviceMount(d: DeviceOptions, destination: string, rw: boolean): Mount {
  const mode = rw ? "rw" : "ro";
  if (d.type === "none") {
    const rest = d.options.filter((o) => o !== "bind" && o !== "rbind" && o !== "rw" && o !== "ro");
    return { destination, type: "bind", source: d.device, options: [d.options.includes("rbind") ? "rbind" : "bind", "rprivate", mode, ...rest] };
  }
  return { destination, type: d.type, source: d.device, options: ["nosuid", "nodev", mode, ...d.options.filter((o) => o !== "rw" && o !== "ro")] };
}
