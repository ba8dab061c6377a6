/**
 * The container log in k8s-file format, rotated by size into at most `maxFile` files
 * (path, path.1, … path.N-1, newest first), which conmon as podman runs it cannot do.
 */
import { closeSync, fstatSync, fsyncSync, renameSync, rmSync, statfsSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { openLogForAppend } from "../container/logfile.js";
import { StringDecoder } from "node:string_decoder";
import { formatChunk, logTimestamp, type LogStream } from "../container/logformat.js";

export interface LogWriter {
  write(stream: LogStream, chunk: Buffer): void;
  close(): void;
}

/** Free space a full log's file system needs before output is written again (a tenth of a small one). */
const RESUME_BYTES = 4 << 20;

/** Now, to the microsecond (Date has milliseconds; the log format takes nanoseconds). */
function preciseTimestamp(): string {
  const ms = performance.timeOrigin + performance.now();
  return logTimestamp(new Date(Math.floor(ms)), Math.floor((ms % 1) * 1000) * 1000);
}

export function openLogWriter(path: string, maxSize: number, maxFile: number): LogWriter {
  let fd = openLogForAppend(path);
  let size = fstatSync(fd).size;
  // a multi-byte character split across two reads stays whole
  const decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
  const rotate = () => {
    closeSync(fd);
    if (maxFile <= 1) rmSync(path, { force: true });
    else {
      rmSync(`${path}.${maxFile - 1}`, { force: true });
      for (let i = maxFile - 2; i >= 1; i--) {
        try {
          renameSync(`${path}.${i}`, `${path}.${i + 1}`);
        } catch { /* not there yet */ }
      }
      renameSync(path, `${path}.1`);
    }
    fd = openLogForAppend(path);
    size = 0;
  };
  // a full disk: output is dropped (the container is not stopped for it) until a write fits
  // again, and the log then says how much is missing
  let dropped = 0;
  let lastLook = 0;
  const roomAgain = (): boolean => {
    const now = Date.now();
    if (now - lastLook < 500) return false;
    lastLook = now;
    try {
      const st = statfsSync(dirname(path));
      return st.bavail * st.bsize >= Math.min(RESUME_BYTES, (st.blocks * st.bsize) / 10);
    } catch {
      return true;
    }
  };
  let cut = false; // the last record was written in part: the note starts on a line of its own
  const put = (bytes: Buffer): boolean => {
    let off = 0;
    try {
      while (off < bytes.length) off += writeSync(fd, bytes, off);
      size += bytes.length;
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOSPC" && code !== "EDQUOT" && code !== "EFBIG") throw err;
      size += off;
      if (off > 0) cut = true;
      return false;
    }
  };
  return {
    write(stream, chunk) {
      const text = formatChunk(stream, decoders[stream].write(chunk), preciseTimestamp());
      // record by record, so a file never grows past maxSize by more than one record
      for (const record of text.split(/(?<=\n)/)) {
        if (!record) continue;
        const bytes = Buffer.from(record);
        if (maxSize > 0 && size > 0 && size + bytes.length > maxSize) rotate();
        if (dropped > 0) {
          // every byte freed would be taken again at once, before a stop could record its state:
          // writing resumes only when there is room to spare, looked at twice a second at most
          if (!roomAgain()) { dropped += bytes.length; continue; }
          const note = Buffer.from((cut ? "\n" : "") + formatChunk("stderr", `[skiff: ${dropped} bytes of output were lost: no space left on device]\n`, logTimestamp(new Date())));
          if (!put(note)) { dropped += bytes.length; continue; }
          dropped = 0;
          cut = false;
        }
        if (!put(bytes)) dropped += bytes.length;
      }
    },
    close() {
      try {
        fsyncSync(fd);
      } catch { /* best effort */ }
      closeSync(fd);
    },
  };
}
