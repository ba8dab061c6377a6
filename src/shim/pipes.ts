/**
 * The container's stdio as pipes (FIFOs in the bundle), never sockets: Bun.spawn and Node's
 * child_process give a child socketpairs for "pipe", and a process that opens /dev/stdout,
 * /dev/stderr or /proc/self/fd/1 on a socket gets ENXIO (nginx and httpd point their logs there).
 * The shim holds each FIFO open read-write while it spawns, then keeps only its own end: it sees
 * end-of-file once every process of the container has closed its output.
 */
import { closeSync, constants, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../errors.js";
import type { Sys } from "../sys/types.js";
import { pump } from "./child.js";

export interface StdioPipes {
  /** The descriptors the runtime gets as stdin, stdout, stderr. */
  child: [number | "ignore", number, number];
  /** Closes the child's ends in this process, once the runtime has them. */
  closeChildEnds(): void;
  /** Reads stdout and stderr until every writer closed them. */
  drain(onStdout: (b: Buffer) => void, onStderr: (b: Buffer) => void): Promise<void>;
  /** The container's stdin, with -i. */
  stdin?: FdWriter;
}

export interface OutputPipe {
  /** The descriptor a child writes to (close it here once the child has it). */
  writer: number;
  /** Reads what every writer wrote until all of them closed the pipe. */
  drain(to: (b: Buffer) => void): Promise<void>;
}

/** A FIFO at dir/name, open read-write (for the child) and non-blocking read-only (for us). */
export function makeOutputPipe(dir: string, name: string, sys: Sys): OutputPipe {
  const path = makeFifo(dir, name, sys);
  // read-write first: neither open blocks, and the read end stays non-blocking for the event loop
  const writer = openSync(path, constants.O_RDWR);
  // Deno's node:net cannot take an fd: it reads with blocking reads on its own threads instead
  const reader = openSync(path, constants.O_RDONLY | (isDeno() ? 0 : constants.O_NONBLOCK));
  return { writer, drain: (to) => readFd(reader, to) };
}

function makeFifo(dir: string, name: string, sys: Sys): string {
  const path = join(dir, name);
  rmSync(path, { force: true });
  sys.mknod(path, "fifo", 0o600);
  return path;
}

export function makeStdioPipes(dir: string, interactive: boolean, sys: Sys): StdioPipes {
  const output = [makeOutputPipe(dir, "stdout.pipe", sys), makeOutputPipe(dir, "stderr.pipe", sys)];
  const toClose = output.map((o) => o.writer);
  let stdinChild: number | "ignore" = "ignore";
  let stdin: FdWriter | undefined;
  if (interactive) {
    const path = makeFifo(dir, "stdin.pipe", sys);
    const hold = openSync(path, constants.O_RDWR);
    // a blocking read end for the container (it must not see EAGAIN), a non-blocking write end here
    const reader = openSync(path, constants.O_RDONLY);
    const writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    closeSync(hold);
    stdinChild = reader;
    toClose.push(reader);
    stdin = fdWriter(writer);
  }
  return {
    child: [stdinChild, output[0].writer, output[1].writer],
    closeChildEnds: () => {
      for (const fd of toClose.splice(0)) closeQuietly(fd);
    },
    drain: (onStdout, onStderr) => Promise.all([output[0].drain(onStdout), output[1].drain(onStderr)]).then(() => undefined),
    stdin,
  };
}

interface BunFiles { file(fd: number): { stream(): ReadableStream<Uint8Array> } }
declare const Bun: BunFiles | undefined;
declare const Deno: unknown;
const isDeno = () => typeof Deno !== "undefined";

/** Reads a non-blocking pipe to its end, then closes it. */
async function readFd(fd: number, to: (b: Buffer) => void): Promise<void> {
  try {
    if (typeof Bun !== "undefined" && typeof Bun.file === "function") {
      await pump(Bun.file(fd).stream(), to);
      return;
    }
    if (isDeno()) {
      const { createReadStream } = await import("node:fs");
      for await (const chunk of createReadStream("", { fd, autoClose: false })) to(chunk as Buffer);
      return;
    }
    const { Socket } = await import("node:net");
    const socket = new Socket({ fd, readable: true, writable: false });
    await new Promise<void>((resolve) => {
      socket.on("data", (b: Buffer) => to(b));
      socket.on("error", () => resolve());
      socket.on("close", () => resolve());
    });
  } catch { /* the end, either way */ } finally {
    closeQuietly(fd);
  }
}

export interface FdWriter { write(b: Buffer): void; end(): void }

/**
 * Writes to a non-blocking pipe without blocking the shim: what the pipe cannot take yet waits in
 * order and is retried; end() closes the pipe after the last byte (or at once if the reader is gone).
 */
export function fdWriter(fd: number): FdWriter {
  const queue: Buffer[] = [];
  let ending = false;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    queue.length = 0;
    closeQuietly(fd);
  };
  const flush = () => {
    timer = undefined;
    while (queue.length && !closed) {
      try {
        const n = writeSync(fd, queue[0]);
        if (n < queue[0].length) queue[0] = queue[0].subarray(n);
        else queue.shift();
      } catch (err) {
        if (errnoCode(err) === "EAGAIN") {
          timer = setTimeout(flush, 10);
          return;
        }
        close(); // EPIPE: the container closed its stdin
        return;
      }
    }
    if (ending) close();
  };
  return {
    write(b) {
      if (closed || ending) return;
      queue.push(Buffer.from(b));
      if (!timer) flush();
    },
    end() {
      ending = true;
      if (!timer) flush();
    },
  };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch { /* closed already */ }
}
