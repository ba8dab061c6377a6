/** Where a container's files live: its definition and logs under --root, its bundle under --runroot. */
import { join } from "node:path";

export interface ContainerPaths { root: string; runroot: string }

export const containersDir = (p: ContainerPaths) => join(p.root, "containers");
export const namesDir = (p: ContainerPaths) => join(p.root, "container-names");
export const containerDir = (p: ContainerPaths, id: string) => join(containersDir(p), id);
export const recordFile = (p: ContainerPaths, id: string) => join(containerDir(p, id), "container.json");
export const stateFile = (p: ContainerPaths, id: string) => join(containerDir(p, id), "state.json");
export const upperDir = (p: ContainerPaths, id: string) => join(containerDir(p, id), "upper");
export const workDir = (p: ContainerPaths, id: string) => join(containerDir(p, id), "work");
/** hostname, hosts and resolv.conf, bind-mounted into the container. */
export const userdataDir = (p: ContainerPaths, id: string) => join(containerDir(p, id), "userdata");
export const defaultLogPath = (p: ContainerPaths, id: string) => join(containerDir(p, id), "ctr.log");

export const bundleDir = (p: ContainerPaths, id: string) => join(p.runroot, "containers", id);
/** What decides where a container's rootfs is mounted: its ID and whether its root is the user. */
export interface RootfsOwner { id: string; options: { nomap?: boolean; storageDriver?: "vfs" } }
/**
 * The merged rootfs: in the bundle; but a container whose root is not the user (--userns nomap)
 * has runc's init, as that root, walk to it, which a 0700 runtime directory forbids: it goes under
 * --root, as podman's goes under its graphroot, with the way there searchable (rootless/reachable.ts);
 * a vfs container's is a copy kept with the container (container/vfs-rootfs.ts).
 */
export const rootfsDir = (p: ContainerPaths, rec: RootfsOwner) =>
  rec.options.storageDriver === "vfs" ? join(containerDir(p, rec.id), "rootfs") : rec.options.nomap ? join(containerDir(p, rec.id), "merged") : join(bundleDir(p, rec.id), "rootfs");
/** A vfs container's root is a directory of its own (container/vfs-rootfs.ts), never mounted. */
export const isVfs = (rec: RootfsOwner) => rec.options.storageDriver === "vfs";
export const runtimeStateRoot = (p: ContainerPaths) => join(p.runroot, "runtime");
/** Short: a Unix socket path must fit in 108 bytes. */
export const attachSocket = (p: ContainerPaths, id: string) => join(p.runroot, "a", id.slice(0, 16));
export const containerLock = (p: ContainerPaths, id: string) => join(p.runroot, "locks", `container-${id}.lock`);
export const namesLock = (p: ContainerPaths) => join(p.runroot, "locks", "container-names.lock");
