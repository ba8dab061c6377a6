/**
 * What runc says when it fails, as one readable line, and the exit code podman gives a container
 * that could not start (shim-and-lifecycle.md; cli-conventions.md §6.1). Pure.
 */

/** The last error of runc's `--log-format json` log ({"level":"error","msg":…,"time":…} lines). */
export function runcError(log: string): string | undefined {
  let last: string | undefined;
  for (const line of log.split("\n")) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if ((entry.level === "error" || entry.level === "fatal") && entry.msg) last = entry.msg;
    } catch {
      // not JSON: runc wrote plain text (older versions, or a panic)
      last = line.trim();
    }
  }
  // runc chains causes with ": "; the useful part is the container-side failure at the end
  return last?.replace(/^(?:runc )?(?:create|run|exec|start) failed: /, "");
}

/**
 * 127 when the command is not found, 126 when it cannot be invoked; podman decides from the
 * runtime's message, and pins these strings in its tests.
 */
export function startFailureExitCode(message: string): 126 | 127 {
  // a mount that failed (a volume's missing device) is no missing command: podman fails it with 126
  if (/error mounting /i.test(message)) return 126;
  return /executable file not found|no such file or directory|not found|executable path is empty/i.test(message) ? 127 : 126;
}

/** A process status: its code, or 128+N after signal N (conmon's get_exit_status). */
export function exitStatus(code: number | null, signal: number | null): number {
  return code !== null ? code : 128 + (signal ?? 0);
}
