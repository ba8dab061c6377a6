/** network create/ls/inspect/rm/prune/exists. */
import { confirm } from "../confirm.js";
import { oneLine, ExitError, SkiffError, isSkiffError } from "../../errors.js";
import { observedState, removeContainer } from "../../container/lifecycle.js";
import { getRecord, listRecords, updateRecord } from "../../container/store.js";
import { bridgeNetworks, isBridged, keyValues } from "../../container/options.js";
import { isActive } from "../../container/record.js";
import { DEFAULT_NETWORK, inSubnet, type Network } from "../../network/config.js";
import { connectNetwork, disconnectNetwork, removeBridge } from "../../network/attach.js";
import { createNetwork, findNetwork, getNetwork, listNetworks, removeNetworkFile } from "../../network/store.js";
import { formatList } from "../../output/format.js";
import { getSys } from "../../sys/index.js";
import type { Context } from "../context.js";
import type { Handler } from "../table/types.js";
import { inspectEach } from "./inspect-each.js";
import { withGoNames } from "../../output/template.js";
import { pathsOf } from "./container-context.js";

const usersOf = (ctx: Context, net: Network) => listRecords(pathsOf(ctx)).filter((r) => bridgeNetworks(r.options).includes(net.name));

/** podman's Go names of its network JSON keys, for templates ({{.Name}}, {{.NetworkInterface}}). */
const GO_NAMES = { id: "ID", network_interface: "NetworkInterface", ipv6_enabled: "IPv6Enabled", dns_enabled: "DNSEnabled", ipam_options: "IPAMOptions" };

/** podman's network inspect shape. */
function view(net: Network) {
  return withGoNames({
    name: net.name, id: net.id, driver: "bridge", network_interface: net.bridge, created: net.created,
    subnets: [{ subnet: net.subnet, gateway: net.gateway }], ipv6_enabled: false, internal: net.internal, dns_enabled: false, labels: net.labels,
    ipam_options: { driver: "host-local" },
  }, GO_NAMES);
}

export const networkCreate: Handler = async ({ ctx, args, opts }) => {
  if (args[0] && opts.ignore && findNetwork(ctx.root, args[0])) return `${args[0]}\n`;
  const subnets = (opts.subnet as string[]) ?? [];
  const gateways = (opts.gateway as string[]) ?? [];
  if (subnets.length > 1 || gateways.length > 1) throw new SkiffError("NOT_IMPLEMENTED", "one --subnet and --gateway per network for now");
  if (gateways[0] && !subnets[0]) throw new SkiffError("INVALID_ARGUMENT", "--gateway needs --subnet");
  if (gateways[0] && !inSubnet(gateways[0], subnets[0])) throw new SkiffError("INVALID_ARGUMENT", `gateway ${gateways[0]} is not in subnet ${subnets[0]}`);
  const labels = keyValues((opts.label as string[]) ?? [], "--label");
  return `${(await createNetwork(ctx.root, args[0], { subnet: subnets[0], gateway: gateways[0], internal: Boolean(opts.internal), labels })).name}\n`;
};

export const networkLs: Handler = async ({ ctx, opts }) => {
  const filters = (opts.filter as string[]) ?? [];
  const list = listNetworks(ctx.root).filter((n) => filters.every((f) => {
    const [k, v] = [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)];
    if (k === "name") return n.name.includes(v);
    if (k === "driver") return v === "bridge";
    if (k === "label") return v.includes("=") ? n.labels[v.slice(0, v.indexOf("="))] === v.slice(v.indexOf("=") + 1) : v in n.labels;
    throw new SkiffError("INVALID_ARGUMENT", `invalid filter "${f}"`, { hint: "use name=, label= or driver=" });
  }));
  if (opts.quiet) return list.map((n) => `${n.name}\n`).join("");
  const rows = list.map((n) => ({ ...view(n), ID: n.id.slice(0, 12), Name: n.name, Driver: "bridge" }));
  return formatList(rows, { format: opts.format as string | undefined, defaultTemplate: "{{.ID}}\t{{.Name}}\t{{.Driver}}", headers: { ID: "NETWORK ID", Name: "NAME", Driver: "DRIVER" }, noHeading: Boolean(opts.noheading) });
};

export const networkInspect: Handler = async ({ ctx, args, opts }) => {
  return inspectEach(ctx, args, (a) => {
    const n = findNetwork(ctx.root, a);
    if (!n) throw new SkiffError("NOT_FOUND", `network ${a}: unable to find network with name or ID ${a}: network not found`);
    return view(n);
  }, opts.format as string | undefined);
};

export const networkRm: Handler = async ({ ctx, args, opts }) => {
  const sys = await getSys();
  let missing = false;
  for (const a of args) {
    const n = findNetwork(ctx.root, a);
    if (!n) {
      if (opts.force) continue; // podman: -f makes a missing network no error
      ctx.stderr.write(`Error: unable to find network with name or ID ${oneLine(a)}: network not found\n`);
      missing = true;
      continue;
    }
    if (n.name === DEFAULT_NETWORK) throw new SkiffError("FAILED_PRECONDITION", `${n.name} is the default network and cannot be removed`);
    const users = usersOf(ctx, n);
    if (users.length && !opts.force) throw new SkiffError("FAILED_PRECONDITION", `network ${n.name} is used by container ${users.map((u) => u.name).join(", ")}`, { hint: "remove them first, or use -f", exitCode: 2 });
    for (const u of users) await removeContainer(pathsOf(ctx), u, sys, { force: true, volumes: false });
    removeNetworkFile(ctx.root, n.name);
    await removeBridge(n, ctx.runroot);
    ctx.stdout.write(`${n.name}\n`);
  }
  if (missing) throw new ExitError(1);
};

export const networkPrune: Handler = async ({ ctx, opts }) => {
  if (!opts.force && !confirm(ctx.stdout, "WARNING! This will remove all networks not used by at least one container.")) return "";
  const doomed = listNetworks(ctx.root).filter((n) => n.name !== DEFAULT_NETWORK && usersOf(ctx, n).length === 0);
  for (const n of doomed) {
    removeNetworkFile(ctx.root, n.name);
    await removeBridge(n, ctx.runroot);
  }
  return doomed.map((n) => `${n.name}\n`).join("");
};

export const networkExists: Handler = async ({ ctx, args }) => {
  if (!findNetwork(ctx.root, args[0])) throw new ExitError(1);
};

/**
 * network connect: the container gets the network in its definition (and so at every start) and,
 * when it runs, an interface on it now. A failed hot-plug leaves the definition as it was.
 */
export const networkConnect: Handler = async ({ ctx, args, opts }) => {
  const p = pathsOf(ctx);
  const net = getNetwork(ctx.root, args[0]);
  const rec = getRecord(p, args[1]);
  if (!isBridged(rec.options.network)) throw new SkiffError("FAILED_PRECONDITION", `container ${rec.name} uses --network ${rec.options.network.replace(/^container:(.{12}).*/, "container:$1")}: only containers on bridge networks can be connected`);
  const aliases = (opts.alias as string[] | undefined) ?? [];
  for (const a of aliases) if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(a)) throw new SkiffError("INVALID_ARGUMENT", `invalid --alias "${a}"`);
  if (bridgeNetworks(rec.options).includes(net.name)) throw new SkiffError("ALREADY_EXISTS", `container ${rec.name} is already connected to network ${net.name}`);
  const updated = await updateRecord(p, rec.id, (r) => ({
    ...r,
    options: { ...r.options, networks: [...bridgeNetworks(r.options), net.name], linkAliases: aliases.length ? { ...r.options.linkAliases, [net.name]: aliases } : r.options.linkAliases },
  }));
  if (!isActive(observedState(p, rec.id).status)) return;
  try {
    await connectNetwork(p.runroot, rec.id, net, [rec.name, ...(updated.options.networkAliases ?? []), ...aliases]);
  } catch (err) {
    // a start racing this one may have attached it already, from the updated definition
    if (isSkiffError(err, "ALREADY_EXISTS")) return;
    await updateRecord(p, rec.id, (r) => ({ ...r, options: { ...r.options, networks: bridgeNetworks(r.options).filter((n) => n !== net.name) } }));
    throw err;
  }
};

/** network disconnect: out of the definition, and the interface goes now if the container runs. */
export const networkDisconnect: Handler = async ({ ctx, args }) => {
  const p = pathsOf(ctx);
  const net = getNetwork(ctx.root, args[0]);
  const rec = getRecord(p, args[1]);
  if (!bridgeNetworks(rec.options).includes(net.name)) throw new SkiffError("NOT_FOUND", `container ${rec.name} is not connected to network ${net.name}`);
  await updateRecord(p, rec.id, (r) => {
    const { [net.name]: _gone, ...linkAliases } = r.options.linkAliases ?? {};
    return { ...r, options: { ...r.options, networks: bridgeNetworks(r.options).filter((n) => n !== net.name), linkAliases } };
  });
  if (isActive(observedState(p, rec.id).status)) await disconnectNetwork(p.runroot, rec.id, net.name);
};
