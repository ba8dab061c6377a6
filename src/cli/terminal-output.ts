/**
 * With -t the container's terminal already turns "\n" into "\r\n"; our own terminal must not do it
 * again ("\r\r\n"), so its output processing (OPOST) is off while we relay, as podman's raw mode
 * has it (libuv's raw mode keeps ONLCR on). stty(1) on the terminal: coreutils is on every Debian.
 */
import { spawnSync } from "node:child_process";
import { isTerminalFd } from "../output/stdio.js";

/** Turns output processing off on fd 1 when it is a terminal; the returned function restores it. */
export function rawOutput(): () => void {
  if (!isTerminalFd(1)) return () => undefined;
  // -F /dev/stdout: the child's own fd 1, inherited (Bun's spawnSync takes no fd numbers)
  const set = (mode: string) => spawnSync("stty", ["-F", "/dev/stdout", mode], { stdio: ["ignore", "inherit", "ignore"] });
  if (set("-opost").status !== 0) return () => undefined;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    set("opost");
  };
  process.once("exit", restore);
  return restore;
}
