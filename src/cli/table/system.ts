import { formatLong, formatOpt, multi, opt, type CommandSpec } from "./types.js";

export const SYSTEM_COMMANDS: CommandSpec[] = [
  {
    name: "version",
    section: "System",
    description: "Show skiff, JavaScript runtime and OCI runtime versions",
    options: [formatOpt()],
    handler: ["version", "version"],
  },
  {
    name: "info",
    aliases: ["system info"],
    section: "System",
    description: "Show storage, runtime, cgroup and network facts about this host",
    options: [formatOpt()],
    handler: ["info", "info"],
  },
  {
    name: "system df",
    section: "System",
    description: "Show disk usage of images, containers and volumes",
    options: [formatLong()],
    handler: ["system-df", "systemDf"],
  },
  {
    name: "system prune",
    section: "System",
    description: "Remove stopped containers, unused networks, dangling images (and with --volumes unused volumes)",
    options: [
      opt("-a, --all", "Remove all images no container uses, not only dangling ones"),
      opt("-f, --force", "Do not ask for confirmation"),
      opt("--volumes", "Also remove volumes no container uses"),
      multi("--filter <filter>", "Only what matches: label=, until="),
    ],
    handler: ["system-prune", "systemPrune"],
  },
  {
    name: "system reset",
    section: "System",
    description: "Remove every container, image, volume and network, and the storage directories",
    options: [opt("-f, --force", "Do not ask for confirmation")],
    handler: ["system-prune", "systemReset"],
  },
  {
    name: "help",
    args: "[command...]",
    section: "System",
    description: "Show help for skiff or for a command",
    examples: ["skiff help", "skiff help image ls"],
    handler: ["help", "help"],
  },
  {
    name: "completion",
    args: "<shell>",
    section: "System",
    description: "Print the shell completion script (bash, zsh or fish)",
    examples: ["skiff completion bash > /etc/bash_completion.d/skiff"],
    handler: ["completion", "completion"],
  },
];
