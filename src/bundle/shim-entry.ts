/**
 * dist/skiff-shim.cjs: what dist/skiff.js runs for `__shim` (loader.ts), the shim's code alone. Every
 * shim holds the source it was compiled from for its whole life: 0.13 MB of it, not the CLI's 0.8 MB.
 */
import { shimProcess } from "../shim/process.js";

void shimProcess(process.argv[3]);
