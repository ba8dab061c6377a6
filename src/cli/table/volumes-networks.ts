import { filterOpt, filterShort, formatLong, formatOpt, multi, opt, quietOpt, type CommandSpec } from "./types.js";

const force = opt("-f, --force", "Do not ask for confirmation");

export const VOLUME_COMMANDS: CommandSpec[] = [
  {
    name: "volume create",
    args: "[name]",
    section: "Volumes",
    description: "Create a named volume",
    options: [
      multi("-l, --label <key=value>", "Set metadata on the volume"),
      opt("--ignore", "Do nothing if the volume exists"),
      opt("-d, --driver <driver>", "Volume driver (local)", { default: "local" }),
      multi("-o, --opt <key=value>", "Driver options: o=uid=N,gid=N (the volume's owner), copy or nocopy (copy-up of the image's content)"),
    ],
    handler: ["volumes", "volumeCreate"],
  },
  { name: "volume export", args: "<name>", section: "Volumes", description: "Write a volume's content as a tar archive", options: [opt("-o, --output <file>", "Write to this file instead of stdout", { complete: "file" })], handler: ["volumes", "volumeExport"] },
  { name: "volume import", args: "<name> <source>", section: "Volumes", description: "Unpack a tar archive (a file, or - for stdin) into a volume", handler: ["volumes", "volumeImport"] },
  { name: "volume ls", aliases: ["volume list"], section: "Volumes", description: "List volumes", options: [quietOpt("volume names"), filterShort("name=, label=, dangling="), formatLong(), opt("--noheading", "Do not print headers")], handler: ["volumes", "volumeLs"] },
  { name: "volume inspect", args: "[names...]", section: "Volumes", description: "Show details of volumes", options: [formatOpt(), opt("-a, --all", "Inspect all volumes")], handler: ["volumes", "volumeInspect"] },
  { name: "volume rm", aliases: ["volume remove"], args: "[names...]", section: "Volumes", description: "Remove volumes", options: [opt("-f, --force", "Remove volumes used by containers, and the containers"), opt("-a, --all", "Remove all volumes")], handler: ["volumes", "volumeRm"] },
  { name: "volume prune", section: "Volumes", description: "Remove volumes no container uses", options: [force, filterOpt("label=")], handler: ["volumes", "volumePrune"] },
  { name: "volume exists", args: "<name>", section: "Volumes", description: "Exit 0 if the volume exists, 1 if not", handler: ["volumes", "volumeExists"] },
];

export const NETWORK_COMMANDS: CommandSpec[] = [
  {
    name: "network create",
    args: "[name]",
    section: "Networks",
    description: "Create a bridge network",
    options: [
      multi("--subnet <cidr>", "Subnet of the network"),
      multi("--gateway <ip>", "Gateway of the subnet"),
      opt("--internal", "No route to the outside"),
      multi("--label <key=value>", "Set metadata on the network"),
      opt("--ignore", "Do nothing if the network exists"),
    ],
    handler: ["networks", "networkCreate"],
  },
  { name: "network ls", aliases: ["network list"], section: "Networks", description: "List networks", options: [quietOpt("network names"), filterShort("name=, label=, driver="), formatLong(), opt("--noheading", "Do not print headers")], handler: ["networks", "networkLs"] },
  { name: "network inspect", args: "<names...>", section: "Networks", description: "Show details of networks", options: [formatOpt()], handler: ["networks", "networkInspect"] },
  { name: "network rm", args: "<names...>", section: "Networks", description: "Remove networks", options: [opt("-f, --force", "Also remove the containers using them")], handler: ["networks", "networkRm"] },
  { name: "network prune", section: "Networks", description: "Remove networks no container uses", options: [force, filterOpt("label=")], handler: ["networks", "networkPrune"] },
  { name: "network exists", args: "<name>", section: "Networks", description: "Exit 0 if the network exists, 1 if not", handler: ["networks", "networkExists"] },
  {
    name: "network connect",
    args: "<network> <container>",
    section: "Networks",
    description: "Connect a container to a network",
    options: [multi("--alias <name>", "Extra name peers on the network reach the container by")],
    handler: ["networks", "networkConnect"],
  },
  {
    name: "network disconnect",
    args: "<network> <container>",
    section: "Networks",
    description: "Disconnect a container from a network",
    options: [opt("-f, --force", "Accepted for podman compatibility (a running container is disconnected anyway)")],
    handler: ["networks", "networkDisconnect"],
  },
];
