import { SkiffError } from "../../errors.js";
import { commandHelp, groupHelp, mainHelp } from "../help.js";
import { GROUPS, findCommand } from "../table/index.js";
import type { Handler } from "../table/types.js";

/** `skiff help [COMMAND...]`: the same text as `--help`. */
export const help: Handler = async ({ args }) => {
  if (args.length === 0) return mainHelp();
  const name = args.join(" ");
  const command = findCommand(name);
  if (command && !command.hidden) return commandHelp(command);
  if (args.length === 1 && GROUPS.has(name)) return groupHelp(name);
  throw new SkiffError("INVALID_ARGUMENT", `unknown command "${name}" for "skiff help"`, { hint: "run 'skiff --help' to list the commands" });
};
