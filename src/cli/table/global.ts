import { opt, type OptionSpec } from "./types.js";

/** Flags every command accepts, with podman's names. */
export const GLOBAL_OPTIONS: OptionSpec[] = [
  opt("--root <path>", "Storage root (images, containers, volumes); env SKIFF_ROOT", { complete: "dir" }),
  opt("--runroot <path>", "Runtime state directory; env SKIFF_RUNROOT", { complete: "dir" }),
  opt("--runtime <name>", "OCI runtime: runc, crun, youki, or a path"),
  opt("--storage-driver <driver>", "Storage driver", { choices: ["overlay", "vfs"] }),
  opt("--log-level <level>", "Log messages at this level and above", { choices: ["trace", "debug", "info", "warn", "warning", "error", "fatal", "panic"], lenient: true }),
  opt("--noout", "Do not print anything on stdout (errors still go to stderr)"),
  opt("-h, --help", "Show help for the command"),
  opt("-v, --version", "Print the version"),
];
