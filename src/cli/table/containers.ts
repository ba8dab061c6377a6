import { allOpt, filterOpt, formatOpt, multi, opt, quietOpt, type CommandSpec } from "./types.js";
import { CREATE_OPTIONS, RUN_ONLY_OPTIONS } from "./run-options.js";

const section = "Containers" as const;
const latest = opt("-l, --latest", "Act on the latest container");
const time = opt("-t, --time <seconds>", "Seconds to wait for the stop before killing", { type: "number" });

/** Commands podman also offers as `container <name>`; the alias is added below. */
const CONTAINER_COMMANDS: CommandSpec[] = [
  {
    name: "run",
    args: "<image> [command...]",
    section,
    description: "Run a command in a new container",
    stopAtFirstPositional: true,
    options: [...RUN_ONLY_OPTIONS, ...CREATE_OPTIONS],
    examples: ["skiff run --rm alpine echo hello", "skiff run -d --name web -p 8080:80 nginx"],
  },
  {
    name: "create",
    args: "<image> [command...]",
    section,
    description: "Create a container without starting it",
    stopAtFirstPositional: true,
    options: CREATE_OPTIONS,
  },
  {
    name: "start",
    args: "[containers...]",
    section,
    description: "Start containers",
    options: [
      opt("-a, --attach", "Attach to the container's output and exit with its code"),
      opt("-i, --interactive", "Attach stdin"),
      allOpt("Start all containers (with --filter: the matching ones)"),
      filterOpt("restart-policy=, status=, name=, label="),
    ],
  },
  {
    name: "ps",
    aliases: ["container ls", "container list"],
    section,
    description: "List containers",
    options: [
      allOpt("Show all containers, not only running ones"),
      quietOpt("container IDs"),
      latest,
      opt("-n, --last <n>", "Show the n most recently created containers", { type: "number" }),
      opt("--no-trunc", "Do not truncate output"),
      opt("--noheading", "Do not print headers"),
      filterOpt("status=, name=, label=, ancestor=, exited=, id="),
      formatOpt(),
    ],
  },
  {
    name: "logs",
    args: "<container>",
    section,
    description: "Show a container's logs",
    options: [
      opt("-f, --follow", "Follow the log output"),
      opt("--tail <n>", "Number of lines from the end (-1: all)", { type: "number", default: -1 }),
      opt("--since <time>", "Show logs since a timestamp or relative duration (10m)"),
      opt("--until <time>", "Show logs until a timestamp or relative duration"),
      opt("-t, --timestamps", "Show timestamps"),
      latest,
    ],
  },
  {
    name: "attach",
    args: "<container>",
    section,
    description: "Attach to a running container",
    options: [opt("--no-stdin", "Do not attach stdin"), opt("--detach-keys <keys>", "Key sequence that detaches", { default: "ctrl-p,ctrl-q" }), opt("--sig-proxy", "Forward signals to the container", { default: true })],
  },
  {
    name: "exec",
    args: "<container> <command...>",
    section,
    description: "Run a command in a running container",
    stopAtFirstPositional: true,
    options: [
      opt("-d, --detach", "Run the command in the background"),
      opt("-i, --interactive", "Keep stdin open"),
      opt("-t, --tty", "Allocate a pseudo-terminal"),
      multi("-e, --env <VAR=value>", "Set an environment variable"),
      multi("--env-file <file>", "Read environment variables from a file", { complete: "file" }),
      opt("-u, --user <user[:group]>", "User to run the command as"),
      opt("-w, --workdir <dir>", "Working directory"),
      opt("--privileged", "Give extended privileges to the command"),
      opt("--detach-keys <keys>", "Key sequence that detaches", { default: "ctrl-p,ctrl-q" }),
      latest,
    ],
  },
  {
    name: "stop",
    args: "[containers...]",
    section,
    description: "Stop containers (the stop signal, then SIGKILL after the timeout)",
    options: [allOpt("Stop all running containers"), time, opt("-i, --ignore", "Ignore containers that do not exist"), latest, opt("--cidfile <file>", "Read the container ID from a file", { complete: "file" })],
  },
  {
    name: "kill",
    args: "[containers...]",
    section,
    description: "Send a signal to containers",
    options: [opt("-s, --signal <signal>", "Signal to send", { default: "KILL" }), allOpt("Signal all running containers"), latest],
  },
  {
    name: "rm",
    args: "[containers...]",
    section,
    description: "Remove containers",
    options: [
      opt("-f, --force", "Stop and remove running containers"),
      opt("-v, --volumes", "Also remove anonymous volumes"),
      allOpt("Remove all containers"),
      opt("-i, --ignore", "Ignore containers that do not exist"),
      time,
      latest,
    ],
  },
  {
    name: "wait",
    args: "<containers...>",
    section,
    description: "Wait for containers to stop and print their exit codes",
    options: [opt("--condition <state>", "State to wait for", { default: "stopped" }), opt("-i, --ignore", "Ignore containers that do not exist"), latest],
  },
  {
    name: "inspect",
    args: "<names...>",
    section,
    description: "Show details of containers or images",
    options: [formatOpt(), opt("--type <type>", "What to inspect", { choices: ["all", "container", "image", "volume", "network"], default: "all" }), opt("-s, --size", "Show sizes"), latest],
  },
  {
    name: "restart",
    args: "[containers...]",
    section,
    description: "Restart containers",
    options: [allOpt("Restart all containers"), time, latest, opt("--running", "Restart only running containers")],
  },
  { name: "pause", args: "[containers...]", section, description: "Pause all processes in containers", options: [allOpt("Pause all running containers"), latest] },
  { name: "unpause", args: "[containers...]", section, description: "Resume paused containers", options: [allOpt("Unpause all paused containers"), latest] },
  { name: "top", args: "<container> [descriptors...]", section, description: "Show the processes of a container", options: [latest] },
  { name: "port", args: "[container] [port]", section, description: "List a container's published ports", options: [allOpt("Show ports of all containers"), latest] },
  { name: "rename", args: "<container> <name>", section, description: "Rename a container" },
  {
    name: "cp",
    args: "<src> <dest>",
    section,
    description: "Copy files between a container and the host (CONTAINER:PATH on one side)",
    options: [opt("-a, --archive", "Keep owners (UID/GID)", { default: true }), opt("--overwrite", "Allow replacing a directory by a file and back")],
  },
  { name: "export", args: "<container>", section, description: "Export a container's filesystem as a tar archive", options: [opt("-o, --output <file>", "Write to this file instead of stdout", { complete: "file" })] },
  { name: "diff", args: "<container>", section, description: "Show changes to a container's filesystem", options: [formatOpt()] },
  {
    name: "stats",
    args: "[containers...]",
    section,
    description: "Show resource usage of containers",
    options: [opt("--no-stream", "Print one sample and exit"), allOpt("Show all containers"), formatOpt(), opt("--no-reset", "Do not clear the screen between samples")],
  },
];

const ALIASED = new Set(["run", "create", "start", "logs", "attach", "exec", "stop", "kill", "rm", "wait", "inspect", "restart", "pause", "unpause", "top", "port", "rename", "cp", "export", "diff", "stats", "ps"]);

export const CONTAINER_TABLE: CommandSpec[] = [
  ...CONTAINER_COMMANDS.map((c) =>
    ALIASED.has(c.name) ? { ...c, aliases: [...(c.aliases ?? []), `container ${c.name}`] } : c,
  ),
  { name: "container exists", args: "<container>", section, description: "Exit 0 if the container exists, 1 if not" },
  {
    name: "container prune",
    section,
    description: "Remove all stopped containers",
    options: [opt("-f, --force", "Do not ask for confirmation"), filterOpt("label=, until=")],
  },
  {
    name: "generate systemd",
    args: "<container>",
    section,
    description: "Print a systemd unit that starts the container at boot",
    options: [opt("-n, --name", "Use the container name instead of its ID"), opt("--restart-policy <policy>", "Restart= of the unit", { default: "on-failure" }), opt("-t, --time <seconds>", "Stop timeout", { type: "number", default: 10 })],
  },
];
