/**
 * The root file system of the server images the differential tests and bench/compat.ts run: the
 * Debian minbase (real glibc, nginx and gosu from Debian's packages) with nginx's logs linked to
 * /dev/stdout and /dev/stderr as in the official image, a user app (1000) with its home, a busybox
 * for small servers, and an entrypoint that fixes /data's owner and drops privileges with gosu.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, chmodSync, chownSync, copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { minbase } from "./podman.js";

const ENTRYPOINT = `#!/bin/sh
# as official images do: fix the volume's owner as root, then run the command as the service user
set -e
chown -R app:app /data
exec gosu app "$@"
`;

/** Writes the root file system as a tar under `work` (for `import`) and returns its path. */
export function serverRootfsTar(work: string): string {
  const root = join(work, "rootfs");
  mkdirSync(root);
  execFileSync("tar", ["-C", root, "-xf", minbase()]);
  for (const [log, target] of [["access.log", "/dev/stdout"], ["error.log", "/dev/stderr"]]) {
    rmSync(join(root, "var/log/nginx", log), { force: true });
    symlinkSync(target, join(root, "var/log/nginx", log));
  }
  writeFileSync(join(root, "var/www/html/index.html"), "hello from nginx\n");
  appendFileSync(join(root, "etc/passwd"), "app:x:1000:1000:app:/home/app:/bin/sh\n");
  appendFileSync(join(root, "etc/group"), "app:x:1000:\n");
  for (const d of ["home/app", "data", "srv"]) mkdirSync(join(root, d), { recursive: true });
  chownSync(join(root, "home/app"), 1000, 1000);
  writeFileSync(join(root, "srv/index.html"), "hello from port 80\n");
  copyFileSync("/bin/busybox", join(root, "usr/local/bin/busybox"));
  writeFileSync(join(root, "docker-entrypoint.sh"), ENTRYPOINT);
  chmodSync(join(root, "docker-entrypoint.sh"), 0o755);
  const tar = join(work, "rootfs.tar");
  execFileSync("tar", ["-C", root, "--numeric-owner", "-cf", tar, "."]);
  rmSync(root, { recursive: true, force: true });
  return tar;
}
