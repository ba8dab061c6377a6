import { SkiffError } from "../../errors.js";
import { completionScript, SHELLS, type Shell } from "../gen/completion.js";
import type { Handler } from "../table/types.js";

export const completion: Handler = async ({ args }) => {
  const shell = args[0];
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new SkiffError("INVALID_ARGUMENT", `unsupported shell "${shell}"`, { hint: `use one of ${SHELLS.join(", ")}` });
  }
  return completionScript(shell as Shell);
};
