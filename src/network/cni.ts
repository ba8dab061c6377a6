/**
 * Calling CNI plugins as the spec says: the plugin binary with CNI_* variables, the network's
 * config (with `prevResult` and `runtimeConfig`) on stdin, a result or an error as JSON on stdout.
 * ADD runs the list in order; DEL in reverse with the cached result, so teardown is exact.
 */
import { SkiffError } from "../errors.js";
import { CNI_DIRS, cniFacts } from "../host/facts.js";

export interface CniCall {
  command: "ADD" | "DEL" | "CHECK";
  containerId: string;
  netns: string;
  ifname: string;
}

type PluginConf = { type: string; [k: string]: unknown };
export interface Conflist { cniVersion: string; name: string; plugins: PluginConf[] }

/** Where the plugins are: $CNI_PATH (the CNI convention, colon-separated) or the distributions' places. */
export function pluginDir(env: NodeJS.ProcessEnv = process.env): string {
  const dirs = env.CNI_PATH ? env.CNI_PATH.split(":").filter(Boolean) : CNI_DIRS;
  const facts = cniFacts(dirs);
  if (!facts.dir || facts.missing.some((m) => ["bridge", "host-local", "portmap", "firewall"].includes(m))) {
    throw new SkiffError("NOT_FOUND", "bridge networking needs the CNI plugins", { hint: `apt-get install containernetworking-plugins (looked in ${dirs.join(", ")}); --network host or none work without` });
  }
  return facts.dir;
}

/** Where the plugins run: the host's namespace, or (rootless) the store's own, with iptables' lock there. */
export interface PluginHost { netns: string; xtablesLock: string }

async function invoke(dir: string, plugin: PluginConf, call: CniCall, stdin: object, host?: PluginHost): Promise<unknown> {
  const { spawn } = await import("node:child_process");
  const argv = host ? ["nsenter", `--net=${host.netns}`, "--", `${dir}/${plugin.type}`] : [`${dir}/${plugin.type}`];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: { ...process.env, CNI_COMMAND: call.command, CNI_CONTAINERID: call.containerId, CNI_NETNS: call.netns, CNI_IFNAME: call.ifname, CNI_PATH: dir, ...(host ? { XTABLES_LOCKFILE: host.xtablesLock } : {}) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", (e) => reject(new SkiffError("UNAVAILABLE", `CNI plugin ${plugin.type}: ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0) return resolve(out.trim() ? JSON.parse(out) : undefined);
      let msg = err.trim() || out.trim();
      try {
        const e = JSON.parse(out) as { msg?: string; details?: string };
        msg = [e.msg, e.details].filter(Boolean).join(": ");
      } catch { /* not JSON */ }
      reject(new SkiffError("FAILED_PRECONDITION", `CNI plugin ${plugin.type} ${call.command.toLowerCase()}: ${msg}`));
    });
    child.stdin.end(JSON.stringify(stdin));
  });
}

function pluginInput(list: Conflist, plugin: PluginConf, prevResult: unknown, runtimeConfig: Record<string, unknown>) {
  const caps = (plugin.capabilities ?? {}) as Record<string, boolean>;
  const rc = Object.fromEntries(Object.entries(runtimeConfig).filter(([k]) => caps[k]));
  const { capabilities: _c, ...conf } = plugin;
  return { ...conf, cniVersion: list.cniVersion, name: list.name, ...(prevResult ? { prevResult } : {}), ...(Object.keys(rc).length ? { runtimeConfig: rc } : {}) };
}

/** ADD through the whole list; returns the final result (to cache for DEL). */
export async function cniAdd(list: Conflist, call: Omit<CniCall, "command">, runtimeConfig: Record<string, unknown>, host?: PluginHost): Promise<unknown> {
  const dir = pluginDir();
  let result: unknown;
  for (const plugin of list.plugins) result = await invoke(dir, plugin, { ...call, command: "ADD" }, pluginInput(list, plugin, result, runtimeConfig), host);
  return result;
}

/** DEL in reverse order; every plugin is called even when one fails (the first error is thrown after). */
export async function cniDel(list: Conflist, call: Omit<CniCall, "command">, runtimeConfig: Record<string, unknown>, cached: unknown, host?: PluginHost): Promise<void> {
  const dir = pluginDir();
  let first: unknown;
  for (const plugin of [...list.plugins].reverse()) {
    await invoke(dir, plugin, { ...call, command: "DEL" }, pluginInput(list, plugin, cached, runtimeConfig), host).catch((e) => (first ??= e));
  }
  if (first) throw first;
}

/** The container's IPv4 address from an ADD result. */
export function resultAddress(result: unknown): string | undefined {
  const ips = (result as { ips?: { address: string }[] } | undefined)?.ips ?? [];
  return ips.map((i) => i.address.split("/")[0]).find((a) => a.includes("."));
}
