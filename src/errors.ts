/**
 * The one error type of skiff. Every failure a user can cause or meet carries a code from a fixed
 * set, a message in the form "verb object: cause", and optionally a hint saying what to do next.
 * The CLI prints it as one line (plus the hint) and exits with `exitCode`.
 */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "FAILED_PRECONDITION"
  | "PERMISSION_DENIED"
  | "UNAVAILABLE"
  | "NOT_IMPLEMENTED"
  | "INTERNAL";

export class SkiffError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  /** Process exit code when this error ends a command; 125 is podman's "error in the CLI itself". */
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown; exitCode?: number } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "SkiffError";
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 125;
  }
}

/**
 * Not an error: a request to end the process with a given status, e.g. the container's exit code
 * after `run`, or 1 from `image exists` when the image is absent. Prints nothing.
 */
export class ExitError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = "ExitError";
    this.exitCode = exitCode;
  }
}

export function isSkiffError(err: unknown, code?: ErrorCode): err is SkiffError {
  return err instanceof SkiffError && (code === undefined || err.code === code);
}

/** The `code` of a Node-style system error (ENOENT, EEXIST, ...), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === "object" && "code" in err && typeof (err as { code: unknown }).code === "string") {
    return (err as { code: string }).code;
  }
  return undefined;
}

/**
 * Text made safe for one line of a terminal: control characters (a newline in a name given on the
 * command line, an escape sequence from a registry) are shown escaped, never acted on.
 */
export function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f\x9b]/g, (c) => (c === "\n" ? "\\n" : c === "\t" ? "\\t" : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));
}

/** Failures of the machine rather than of skiff (a full disk, a read-only file system): one plain line. */
const ENVIRONMENT: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  ENOMEM: "out of memory",
  EIO: "input/output error",
  // a --root or a file the user may not write (podman: "mkdir DIR: permission denied")
  EACCES: "permission denied",
};

export function environmentError(err: unknown): string | undefined {
  const code = errnoCode(err);
  const what = code ? ENVIRONMENT[code] : undefined;
  if (!what) return undefined;
  const e = err as NodeJS.ErrnoException;
  return `${what}${e.path ? ` (${e.syscall ? `${e.syscall} ` : ""}${e.path})` : ""}`;
}

/** Message of any thrown value, for "verb object: cause" chains. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
