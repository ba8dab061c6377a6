/**
 * The container log in k8s-file format, rotated by size into at most `maxFile` files
 * (path, path.1, … path.N-1, newest first), which conmon as podman runs it cannot do.
 */
import { closeSync, fstatSync, fsyncSync, renameSync, rmSync, writeSync } from "node:fs";
import { openLogForAppend } from "../container/logfile.js";
import { StringDecoder } from "node:string_decoder";
import { formatChunk, logTimestamp, type LogStream } from "../container/logformat.js";

export interface LogWriter {
  write(stream: LogStream, chunk: Buffer): void;
  close(): void;
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
  return {
    write(stream, chunk) {
      const text = formatChunk(stream, decoders[stream].write(chunk), logTimestamp(new Date()));
      // record by record, so a file never grows past maxSize by more than one record
      for (const record of text.split(/(?<=\n)/)) {
        if (!record) continue;
        const bytes = Buffer.from(record);
        if (maxSize > 0 && size > 0 && size + bytes.length > maxSize) rotate();
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off);
        size += bytes.length;
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
