/**
 * The k8s-file log format conmon and podman write, one line per record:
 *   <RFC3339Nano time with offset> <stdout|stderr> <F|P> <text>
 * F closes a line; P is a partial line (the text continues in the next record). Pure.
 */

export type LogStream = "stdout" | "stderr";

export interface LogRecord { time: string; stream: LogStream; partial: boolean; text: string }

/** RFC3339 with nanoseconds and a numeric offset, as conmon writes it. */
export function logTimestamp(date: Date, nanos = 0): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const ns = String(date.getMilliseconds() * 1_000_000 + (nanos % 1_000_000)).padStart(9, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${ns}${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

/** Records for one chunk read from a stream: full lines get F; a trailing fragment gets P. */
export function formatChunk(stream: LogStream, chunk: string, time: string): string {
  if (chunk === "") return "";
  const parts = chunk.split("\n");
  const tail = parts.pop()!;
  const lines = parts.map((p) => `${time} ${stream} F ${p}\n`);
  if (tail !== "") lines.push(`${time} ${stream} P ${tail}\n`);
  return lines.join("");
}

export function parseRecord(line: string): LogRecord | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s.exec(line);
  if (!m) return undefined;
  return { time: m[1], stream: m[2] as LogStream, partial: m[3] === "P", text: m[4] };
}

/** Joins partial records back into the lines the container wrote. */
export function joinRecords(records: LogRecord[]): { time: string; stream: LogStream; line: string }[] {
  const out: { time: string; stream: LogStream; line: string }[] = [];
  const pending: Partial<Record<LogStream, { time: string; text: string }>> = {};
  for (const r of records) {
    const p = pending[r.stream];
    const text = (p?.text ?? "") + r.text;
    const time = p?.time ?? r.time;
    if (r.partial) pending[r.stream] = { time, text };
    else {
      delete pending[r.stream];
      out.push({ time, stream: r.stream, line: text });
    }
  }
  for (const [stream, p] of Object.entries(pending)) if (p) out.push({ time: p.time, stream: stream as LogStream, line: p.text });
  return out;
}

/** A record's time as podman's `logs -t` prints it: UTC, RFC 3339 with nanoseconds, trailing zeros dropped (Go's RFC3339Nano). */
export function displayTime(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return time;
  const whole = new Date(Date.parse(`${m[1]}${m[3]}`)).toISOString().slice(0, 19);
  const frac = (m[2] ?? "").replace(/0+$/, "");
  return `${whole}${frac ? `.${frac}` : ""}Z`;
}
