import { formatOpt, type CommandSpec } from "./types.js";

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
    options: [formatOpt()],
    handler: ["system-df", "systemDf"],
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
