/**
 * The attach protocol between a client (the CLI) and a container's shim, over a Unix stream
 * socket: frames of [type: 1 byte][length: 4 bytes, big endian][payload]. Stream ids follow
 * conmon's attach socket (1 stdin, 2 stdout, 3 stderr); the rest are control messages. Pure.
 */
export const FRAME = {
  STDIN: 1,
  STDOUT: 2,
  STDERR: 3,
  /** shim -> client, JSON {code, error?}: the container ended (or could not start). */
  EXIT: 4,
  /** client -> shim, JSON {}: start the container now (the shim waits for it with --attach-wait). */
  GO: 5,
  /** client -> shim, JSON {signal}: forward a signal (sig-proxy). */
  SIGNAL: 6,
  /** client -> shim: no more stdin. */
  STDIN_EOF: 7,
  /** client -> shim, JSON {rows, cols}: the terminal's size (-t). */
  RESIZE: 8,
} as const;

export interface Frame { type: number; payload: Buffer }

export function encodeFrame(type: number, payload: Uint8Array | string = ""): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload);
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Splits a byte stream into frames; keeps a partial frame for the next chunk. */
export function frameReader(onFrame: (f: Frame) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 5) {
      const len = buf.readUInt32BE(1);
      if (buf.length < 5 + len) break;
      onFrame({ type: buf[0], payload: buf.subarray(5, 5 + len) });
      buf = buf.subarray(5 + len);
    }
  };
}

/** One line on the shim's stdout when it is ready (attach socket listening) or started. */
export interface SyncMessage { ready?: true; pid?: number; error?: string; code?: number }
