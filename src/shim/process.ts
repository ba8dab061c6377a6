/** The shim as a process: `skiff __shim [RUNTIME-PID]` (main.ts; dist/skiff-shim.cjs on a system Node). */
import { shimMain } from "./shim.js";

/**
 * A pid: the runtime started first and is this process's child already (launch.ts). Done
 * supervising, nothing may keep this process around (a timer, a client that never hung up).
 */
export async function shimProcess(runtimePid: string | undefined): Promise<never> {
  process.exit(await shimMain(runtimePid ? Number(runtimePid) : undefined));
}
