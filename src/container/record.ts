/**
 * What a container is on disk. The definition (container.json) is written once at create and kept
 * under --root so it survives reboots; the state (state.json) changes with the lifecycle and is
 * written atomically by whoever holds the container's lock (the CLI or the container's shim).
 */
import type { ContainerOptions } from "./options.js";

export interface MountInfo { type: "bind" | "volume" | "tmpfs" | "image"; source: string; destination: string; name?: string; rw: boolean; options: string[]; anonymous?: boolean; /** type image: its layers, bottom first (kept by garbage collection as the container's own). */ chainIds?: string[] }

export interface ContainerRecord {
  id: string;
  name: string;
  /** ISO time. */
  created: string;
  image: { id: string; name: string; chainIds: string[] };
  /** The command line that made it (inspect's Config.CreateCommand). */
  createCommand?: string[];
  /** The flags it was created with; the spec is built from them at every start (after a reboot too). */
  options: ContainerOptions;
  /** The command given after the image. */
  userArgs: string[];
  /** Entrypoint and Cmd as they end up after the user's overrides, for inspect. */
  entrypoint: string[];
  cmd: string[];
  hostname: string;
  /** Every mount with its host source decided (named and anonymous volumes created). */
  mounts: MountInfo[];
  logPath: string;
  /** Runtime binary name or path as given (--runtime). */
  runtime: string;
  /** A build's working container (a RUN or COPY step): hidden from ps without --external. */
  purpose?: "build";
}

export type Status = "created" | "running" | "paused" | "stopping" | "exited";

/** Running in the wide sense: a shim supervises it (running, paused, or being stopped). */
export function isActive(status: Status): boolean {
  return status === "running" || status === "paused" || status === "stopping";
}

export interface ContainerState {
  status: Status;
  /** The container's init pid while running. */
  pid?: number;
  /** The shim supervising it, and the shim's start time (clock ticks, /proc/PID/stat), to detect pid reuse. */
  shimPid?: number;
  shimStart?: number;
  /** /proc/sys/kernel/random/boot_id when it started: a different boot means it is not running. */
  bootId?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** Why it could not start (the runtime's message). */
  error?: string;
  restartCount: number;
  /** Set by stop/kill: no restart policy applies and unless-stopped stays down at boot. */
  stoppedByUser: boolean;
}

export const INITIAL_STATE: ContainerState = { status: "created", restartCount: 0, stoppedByUser: false };
