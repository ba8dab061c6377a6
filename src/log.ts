/**
 * Logging and colour, in one place. Logs go to stderr so that stdout stays machine-readable; colour
 * only on a terminal and never with NO_COLOR. The four ANSI colours are written here rather than
 * taken from picocolors: its require("tty") alone costs ~20 ms of start-up in a Bun executable.
 */

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  readonly level: LogLevel;
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  enabled(level: LogLevel): boolean;
}

export interface OutStream {
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
}

/** Colour is on for a terminal unless NO_COLOR is set (any value) or TERM=dumb; FORCE_COLOR forces it. */
export function colorEnabled(stream: OutStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if ("NO_COLOR" in env) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

export interface Colors {
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  gray(s: string): string;
}

const paint = (on: boolean, code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[39m` : s);

export function colors(stream: OutStream, env: NodeJS.ProcessEnv = process.env): Colors {
  const on = colorEnabled(stream, env);
  return { red: paint(on, 31), yellow: paint(on, 33), cyan: paint(on, 36), gray: paint(on, 90) };
}

export function parseLogLevel(value: string): LogLevel | undefined {
  const v = value.toLowerCase();
  if (v === "warning") return "warn";
  if (v === "fatal" || v === "panic") return "error";
  if (v === "trace") return "debug";
  return (LOG_LEVELS as readonly string[]).includes(v) ? (v as LogLevel) : undefined;
}

export function createLogger(level: LogLevel, stream: OutStream = process.stderr): Logger {
  const rank = LOG_LEVELS.indexOf(level);
  const c = colors(stream);
  const paint: Record<LogLevel, (s: string) => string> = {
    error: c.red,
    warn: c.yellow,
    info: c.cyan,
    debug: c.gray,
  };
  const emit = (l: LogLevel) => (msg: string) => {
    if (LOG_LEVELS.indexOf(l) <= rank) stream.write(`${paint[l](l.toUpperCase().padEnd(5))} ${msg}\n`);
  };
  return {
    level,
    error: emit("error"),
    warn: emit("warn"),
    info: emit("info"),
    debug: emit("debug"),
    enabled: (l) => LOG_LEVELS.indexOf(l) <= rank,
  };
}
