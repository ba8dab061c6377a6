/**
 * Attach clients of a shim: every output chunk goes to all of them; input from any goes to the
 * container. With `holdForFirst`, output is kept until the first client connects and then
 * replayed to it, so a foreground `run` loses nothing while the container starts in parallel with
 * its attach.
 */
import { mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { FRAME, encodeFrame, frameReader } from "./protocol.js";
import { listenUnix, type Conn } from "./unix-server.js";

export interface AttachHandlers { onGo(): void; onStdin(b: Buffer): void; onStdinEof(): void; onSignal(sig: string): void; onResize(rows: number, cols: number): void }

export function attachServer(path: string, holdForFirst: boolean, handlers: AttachHandlers) {
  const clients = new Set<Conn>();
  let backlog: Buffer[] | undefined = holdForFirst ? [] : undefined;
  let backlogBytes = 0;
  let connected: () => void = () => undefined;
  const firstClient = new Promise<void>((resolve) => (connected = resolve));
  rmSync(path, { force: true });
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const server = listenUnix(path, (conn) => {
    clients.add(conn);
    if (backlog) for (const frame of backlog) conn.write(frame);
    backlog = undefined;
    connected();
    return {
      onClose: () => clients.delete(conn),
      onData: frameReader((f) => {
        if (f.type === FRAME.GO) handlers.onGo();
        else if (f.type === FRAME.STDIN) handlers.onStdin(f.payload);
        else if (f.type === FRAME.STDIN_EOF) handlers.onStdinEof();
        else if (f.type === FRAME.SIGNAL) handlers.onSignal(String(JSON.parse(f.payload.toString()).signal));
        else if (f.type === FRAME.RESIZE) {
          const { rows, cols } = JSON.parse(f.payload.toString()) as { rows: number; cols: number };
          if (rows > 0 && rows <= 1000 && cols > 0 && cols <= 1000) handlers.onResize(rows, cols);
        }
      }),
    };
  });
  return {
    listening: server.then(() => undefined),
    firstClient,
    broadcast(type: number, payload: Buffer | string) {
      const frame = encodeFrame(type, payload);
      if (backlog && backlogBytes < 8 << 20) {
        backlog.push(frame);
        backlogBytes += frame.length;
      }
      for (const c of clients) c.write(frame);
    },
    async close() {
      await Promise.all([...clients].map((c) => c.end()));
      (await server).close();
      rmSync(path, { force: true });
    },
  };
}
