import { formatOpt, type CommandSpec } from "./types.js";

export const SYSTEM_COMMANDS: CommandSpec[] = [
  {
    name: "version",
    section: "System",
    description: "Show skiff, JavaScript runtime and OCI runtime versions",
    options: [formatOpt()],
    load: async () => (await import("../commands/version.js")).version,
  },
  {
    name: "info",
    aliases: ["system info"],
    section: "System",
    description: "Show storage, runtime, cgroup and network facts about this host",
    options: [formatOpt()],
    load: async () => (await import("../commands/info.js")).info,
  },
  {
    name: "system df",
    section: "System",
    description: "Show disk usage of images, containers and volumes",
    options: [formatOpt()],
    load: async () => (await import("../commands/system-df.js")).systemDf,
  },
  {
    name: "help",
    args: "[command...]",
    section: "System",
    description: "Show help for skiff or for a command",
    examples: ["skiff help", "skiff help image ls"],
    load: async () => (await import("../commands/help.js")).help,
  },
  {
    name: "completion",
    args: "<shell>",
    section: "System",
    description: "Print the shell completion script (bash, zsh or fish)",
    examples: ["skiff completion bash > /etc/bash_completion.d/skiff"],
    load: async () => (await import("../commands/completion.js")).completion,
  },
];
