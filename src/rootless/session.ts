/**
 * What a login session does to a rootless user's containers: systemd-logind removes
 * /run/user/UID (the runtime directory, and so every container's state) when the user's last
 * session ends, unless lingering is enabled for the user.
 */
import { existsSync } from "node:fs";
import { userNameOf } from "./userns.js";

/** Where systemd says it runs, and where logind keeps its lingering users (tests point them elsewhere). */
const SYSTEMD = { running: "/run/systemd/system", linger: "/var/lib/systemd/linger" };

/** The warning for a detached container that will not outlive the session, if it will not. */
export function lingerWarning(env: NodeJS.ProcessEnv, uid: number, systemd = SYSTEMD): string | undefined {
  const runtime = env.XDG_RUNTIME_DIR;
  if (!runtime || runtime !== `/run/user/${uid}` || !existsSync(systemd.running)) return undefined;
  const name = userNameOf(uid);
  if (!name || existsSync(`${systemd.linger}/${name}`)) return undefined;
  return `your containers stop when you log out (systemd-logind removes ${runtime}): run "loginctl enable-linger ${name}" to keep them running`;
}
