/**
 * A listening unix socket with the least the attach server needs: bytes in, bytes out (in order,
 * none lost to a full socket), end. On Bun it is Bun.listen, on other runtimes node:net. Why two:
 * node:net (and the streams under it) costs a Bun process ~2 MB of heap, and the shim that loads
 * it lives as long as its container (measured: 5.5 MB vs 3.1 MB private memory for a process that
 * listens and supervises one child, bench/run.sh).
 */

export interface Conn {
  write(b: Buffer): void;
  /** Ends the connection once everything written was sent. */
  end(): Promise<void>;
}
export interface ConnHandlers { onData(b: Buffer): void; onClose(): void }
export interface UnixServer { close(): void }

interface BunSocket<T> { data: T; write(b: Uint8Array): number; end(): void }
interface BunListenOpts<T> {
  unix: string;
  socket: { open(s: BunSocket<T>): void; data(s: BunSocket<T>, d: Uint8Array): void; drain(s: BunSocket<T>): void; close(s: BunSocket<T>): void; error(s: BunSocket<T>, e: Error): void };
}
declare const Bun: { listen<T>(o: BunListenOpts<T>): { stop(closeActive?: boolean): void } } | undefined;

interface ConnState { queue: Buffer[]; closed: boolean; ending?: () => void; handlers?: ConnHandlers }

export async function listenUnix(path: string, onConn: (c: Conn) => ConnHandlers): Promise<UnixServer> {
  if (typeof Bun !== "undefined" && typeof Bun.listen === "function") return listenBun(path, onConn);
  return listenNode(path, onConn);
}

function listenBun(path: string, onConn: (c: Conn) => ConnHandlers): UnixServer {
  const flush = (s: BunSocket<ConnState>) => {
    const st = s.data;
    while (st.queue.length && !st.closed) {
      const b = st.queue[0];
      const n = s.write(b);
      if (n < b.length) {
        st.queue[0] = b.subarray(Math.max(n, 0));
        return; // the rest when the socket drains
      }
      st.queue.shift();
    }
    if (st.ending && (st.queue.length === 0 || st.closed)) {
      if (!st.closed) s.end();
      st.ending();
      st.ending = undefined;
    }
  };
  const finish = (s: BunSocket<ConnState>) => {
    if (s.data.closed) return;
    s.data.closed = true;
    s.data.ending?.();
    s.data.handlers?.onClose();
  };
  const server = Bun!.listen<ConnState>({
    unix: path,
    socket: {
      open(s) {
        s.data = { queue: [], closed: false };
        s.data.handlers = onConn({
          write(b) {
            if (s.data.closed) return;
            s.data.queue.push(b);
            if (s.data.queue.length === 1) flush(s);
          },
          end: () => new Promise<void>((resolve) => {
            s.data.ending = resolve;
            flush(s);
          }),
        });
      },
      data: (s, d) => s.data.handlers?.onData(Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
      drain: flush,
      close: finish,
      error: finish,
    },
  });
  return { close: () => server.stop(true) };
}

async function listenNode(path: string, onConn: (c: Conn) => ConnHandlers): Promise<UnixServer> {
  const { createServer } = await import("node:net");
  const server = createServer((sock) => {
    const handlers = onConn({ write: (b) => void sock.write(b), end: () => new Promise<void>((r) => sock.end(r)) });
    sock.on("error", () => handlers.onClose());
    sock.on("close", () => handlers.onClose());
    sock.on("data", (d: Buffer) => handlers.onData(d));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  return { close: () => server.close() };
}
