import { constants } from "node:os";
import { SkiffError, type ErrorCode } from "../errors.js";

const NAMES = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v as number, k]));

const DESCRIPTIONS: Record<string, string> = {
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EEXIST: "file exists",
  EINVAL: "invalid argument",
  EBUSY: "device or resource busy",
  ENOTDIR: "not a directory",
  ENODATA: "no data available",
  EOPNOTSUPP: "operation not supported",
  ENOTSUP: "operation not supported",
  EBADF: "bad file descriptor",
  ENODEV: "no such device",
  ENOSPC: "no space left on device",
};

export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `errno ${errno}`;
}

/** "mount /x: EPERM (operation not permitted)" as a SkiffError whose cause carries the code. */
export function sysError(what: string, errnoOrName: number | string, detail?: string): SkiffError {
  const name = typeof errnoOrName === "number" ? errnoName(errnoOrName) : errnoOrName;
  const text = detail ?? DESCRIPTIONS[name] ?? "";
  const code: ErrorCode = name === "EPERM" || name === "EACCES" ? "PERMISSION_DENIED" : name === "ENOENT" ? "NOT_FOUND" : name === "EEXIST" ? "ALREADY_EXISTS" : "FAILED_PRECONDITION";
  const cause = Object.assign(new Error(name), { code: name });
  return new SkiffError(code, `${what}: ${name}${text ? ` (${text})` : ""}`, { cause });
}
