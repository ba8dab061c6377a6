/** The CLI's side of the shim: starting one, and attaching to it over its socket. */
import { SkiffError, errnoCode } from "../errors.js";
import { FRAME, encodeFrame, frameReader, type SyncMessage } from "../shim/protocol.js";
import { launchShim, launchShimAfterRuntime, type ShimProcess } from "../shim/launch.js";
import { attachSocket, type ContainerPaths } from "./paths.js";
import { connectUnix, type UnixConn } from "../util/unix-client.js";

export interface SpawnedShim {
  pid: number;
  /** Tells the shim which container it supervises; resolves to its first sync message. */
  assign(p: ContainerPaths, id: string, attachWait: boolean): Promise<SyncMessage>;
  /** The container was not created after all: the shim exits. */
  abort(): void;
}

/**
 * Starts `skiff __shim` in its own session. It is spawned before the container exists, so that its
 * start-up (a JavaScript runtime's) overlaps the CLI's own work; it learns its container from one
 * JSON line on stdin and answers with sync lines on stdout (ready, started, or failed; the first is
 * all the CLI reads). The CLI may exit at any time after; the shim does not depend on it.
 */
export async function spawnShim(): Promise<SpawnedShim> {
  return adoptShim(await launchShim());
}

/** The runtime, then its shim (see launchShimAfterRuntime): the container starts before the shim is up. */
export async function spawnShimAfterRuntime(runtimeArgv: string[], fifos: [string, string]): Promise<SpawnedShim> {
  return adoptShim(await launchShimAfterRuntime(runtimeArgv, fifos));
}

/** The CLI's handle on a started shim process. */
function adoptShim(proc: ShimProcess): SpawnedShim {
  if (!proc.pid) throw new SkiffError("UNAVAILABLE", "cannot start the shim");
  const lines: string[] = [];
  const waiters: ((m: SyncMessage) => void)[] = [];
  let buf = "";
  let ended = false;
  const deliver = () => {
    while (waiters.length && (lines.length || ended)) {
      const line = lines.shift();
      waiters.shift()!(line ? (JSON.parse(line) as SyncMessage) : { error: "the shim exited before reporting (see shim.log in the container's bundle)", code: 125 });
    }
  };
  proc.read((text) => {
    buf += text;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    deliver();
  }, (startError) => {
    if (ended) return;
    ended = true;
    if (startError) lines.splice(0, lines.length, JSON.stringify({ error: `cannot start the shim: ${startError}`, code: 125 }));
    deliver();
  });
  return {
    pid: proc.pid,
    assign(p, id, attachWait) {
      proc.end(`${JSON.stringify({ root: p.root, runroot: p.runroot, id, attachWait })}\n`);
      // once it answered, the CLI must not keep the shim's pipe open (or be kept alive by it)
      return new Promise<SyncMessage>((resolve) => {
        waiters.push(resolve);
        deliver();
      }).finally(() => proc.stopReading());
    },
    abort() {
      proc.end();
      proc.stopReading();
    },
  };
}

export interface AttachIO {
  onStdout(b: Buffer): void;
  onStderr(b: Buffer): void;
  /** Feed stdin: called with a function that sends data and one that sends EOF. */
  stdin?: (send: (b: Buffer) => void, eof: () => void) => void;
}

export interface AttachSession { exit: Promise<{ code: number; error?: string }>; signal(sig: string): void; resize(rows: number, cols: number): void; go(): void; close(): void }

/** Connects to the shim's attach socket; resolves once connected. */
export async function attach(p: ContainerPaths, id: string, io: AttachIO): Promise<AttachSession> {
  let exitResolve: (v: { code: number; error?: string }) => void = () => undefined;
  const exit = new Promise<{ code: number; error?: string }>((r) => (exitResolve = r));
  let gotExit = false;
  let conn: UnixConn;
  try {
    conn = await connectUnix(attachSocket(p, id), {
      onData: frameReader((f) => {
        if (f.type === FRAME.STDOUT) io.onStdout(f.payload);
        else if (f.type === FRAME.STDERR) io.onStderr(f.payload);
        else if (f.type === FRAME.EXIT) {
          gotExit = true;
          exitResolve(JSON.parse(f.payload.toString()) as { code: number; error?: string });
        }
      }),
      onClose: () => {
        if (!gotExit) exitResolve({ code: -1, error: "lost the connection to the container's shim" });
      },
    });
  } catch (err) {
    const code = errnoCode(err);
    throw new SkiffError("UNAVAILABLE", `cannot attach to container ${id.slice(0, 12)}: ${(err as Error).message}${code && !(err as Error).message.includes(code) ? ` (${code})` : ""}`);
  }
  io.stdin?.((b) => conn.write(encodeFrame(FRAME.STDIN, b)), () => conn.write(encodeFrame(FRAME.STDIN_EOF)));
  return {
    exit,
    go: () => conn.write(encodeFrame(FRAME.GO, "{}")),
    signal: (sig) => conn.write(encodeFrame(FRAME.SIGNAL, JSON.stringify({ signal: sig }))),
    resize: (rows, cols) => conn.write(encodeFrame(FRAME.RESIZE, JSON.stringify({ rows, cols }))),
    close: () => conn.close(),
  };
}
