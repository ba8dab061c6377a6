/**
 * A child subreaper on Node, which cannot call prctl(2) itself: perl (Debian's perl-base is
 * Essential, so on every Debian machine) makes itself one and execs the program, which keeps the
 * attribute across execve(2). It says so in SKIFF_SUBREAPER, set to the pid it did it in: the
 * program's own pid after the exec, so a child that inherits the variable knows it is not meant.
 */

/** prctl's syscall number by Node's process.arch (the kernel's unistd tables). */
const PRCTL: Partial<Record<string, number>> = { x64: 157, arm64: 167, riscv64: 167, arm: 172, ia32: 172, s390x: 172, ppc64: 171 };

const PR_SET_CHILD_SUBREAPER = 36;
export const SUBREAPER_ENV = "SKIFF_SUBREAPER";

/**
 * `argv` run by `perl` as a child subreaper; undefined on an architecture not in the table. A
 * failed prctl leaves the variable unset: the program runs as it would have without. Pure.
 */
export function subreaperExecArgv(arch: string, perl: string, argv: string[]): string[] | undefined {
  const prctl = subreaperCall(arch);
  if (prctl === undefined) return undefined;
  const script = `${prctl} == 0 and $ENV{${SUBREAPER_ENV}} = $$; exec { $ARGV[0] } @ARGV; die "exec $ARGV[0]: $!\\n"`;
  return [perl, "-e", script, ...argv];
}

/** perl's prctl(PR_SET_CHILD_SUBREAPER, 1) on `arch`, by syscall number; undefined where it is not known. */
function subreaperCall(arch: string): string | undefined {
  const nr = PRCTL[arch];
  return nr === undefined ? undefined : `syscall(${nr}, ${PR_SET_CHILD_SUBREAPER}, 1, 0, 0, 0)`;
}

/** Whether this process was made a subreaper by subreaperExecArgv's perl. */
export const madeSubreaper = (env: NodeJS.ProcessEnv, pid: number): boolean => env[SUBREAPER_ENV] === String(pid);

/**
 * `argv` run by `perl` as a child subreaper that reaps: what the program leaves behind when it dies
 * (runc's setup processes, when a `runc exec` fails midway) is reparented to perl and reaped there,
 * not to a Node shim, which cannot reap (measured: 32,000 zombies under one shim whose container
 * could not stop, and then no process could fork on the machine). Exits with the program's status
 * (128+N after signal N) once every child is gone; SIGTERM kills the program and ends the wait.
 */
export function reapingExecArgv(arch: string, perl: string, argv: string[]): string[] | undefined {
  const prctl = subreaperCall(arch);
  if (prctl === undefined) return undefined;
  const script = [
    `${prctl};`,
    'my $child = fork() // die "fork: $!\\n";',
    'if ($child == 0) { exec { $ARGV[0] } @ARGV; die "exec $ARGV[0]: $!\\n"; }',
    "$SIG{TERM} = sub { kill 'KILL', $child; exit 137 };",
    "my $status = 0;",
    "while ((my $pid = wait()) != -1) { $status = $? if $pid == $child }",
    "exit($status & 127 ? 128 + ($status & 127) : $status >> 8);",
  ].join(" ");
  return [perl, "-e", script, ...argv];
}
