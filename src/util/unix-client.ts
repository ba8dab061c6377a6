/**
 * A connection to a unix socket with the least an attach client needs: bytes in, bytes out (in
 * order, none lost to a full socket), close. Bun.connect on Bun, node:net elsewhere: node:net takes
 * a Bun CLI ~5 ms of CPU to load, spent while the container it attaches to is starting.
 */

export interface UnixConn {
  write(b: Buffer): void;
  close(): void;
}
export interface UnixClientHandlers { onData(b: Buffer): void; onClose(): void }

interface BunSocket { write(b: Uint8Array): number; end(): void }
interface BunConnectOpts {
  unix: string;
  socket: { data(s: BunSocket, d: Uint8Array): void; drain(s: BunSocket): void; close(s: BunSocket): void; error(s: BunSocket, e: Error): void };
}
declare const Bun: { connect(o: BunConnectOpts): Promise<BunSocket> } | undefined;

export async function connectUnix(path: string, h: UnixClientHandlers): Promise<UnixConn> {
  if (typeof Bun !== "undefined" && typeof Bun.connect === "function") return connectBun(path, h);
  return connectNode(path, h);
}

async function connectBun(path: string, h: UnixClientHandlers): Promise<UnixConn> {
  const queue: Buffer[] = [];
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    h.onClose();
  };
  const flush = (s: BunSocket) => {
    while (queue.length && !closed) {
      const n = s.write(queue[0]);
      if (n < queue[0].length) {
        queue[0] = queue[0].subarray(Math.max(n, 0));
        return; // the rest when the socket drains
      }
      queue.shift();
    }
  };
  const sock = await Bun!.connect({
    unix: path,
    socket: {
      data: (_s, d) => h.onData(Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
      drain: flush,
      close: finish,
      error: finish,
    },
  });
  return {
    write(b) {
      if (closed) return;
      queue.push(b);
      if (queue.length === 1) flush(sock);
    },
    close() {
      sock.end();
      closed = true;
    },
  };
}

async function connectNode(path: string, h: UnixClientHandlers): Promise<UnixConn> {
  const { connect } = await import("node:net");
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let connected = false;
    sock.on("data", (d: Buffer) => h.onData(d));
    sock.on("error", (err) => (connected ? undefined : reject(err)));
    sock.on("close", () => connected && h.onClose());
    sock.on("connect", () => {
      connected = true;
      resolve({ write: (b) => void sock.write(b), close: () => sock.destroy() });
    });
  });
}
