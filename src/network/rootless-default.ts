/** A rootless container's network when none is given: the best user-mode network installed. */
import { findExecutable } from "../runtime/locate.js";

/** pasta (its ports are spliced: several times faster, bench/rootless.sh), else slirp4netns (podman 4's default). */
export function rootlessDefaultNetwork(env: NodeJS.ProcessEnv): "pasta" | "slirp4netns" {
  return findExecutable("pasta", env) ? "pasta" : "slirp4netns";
}
