/**
 * Instructions → stages: the global ARGs before the first FROM, each FROM's stage with its name,
 * the stage --target picks (the last one by default) and the stages it needs (FROM a stage,
 * COPY --from, RUN --mount from=), so unused stages are not built. Pure.
 */
import { parseError, type Instruction } from "./containerfile.js";

export interface Stage {
  index: number;
  /** The `AS` name, lowercased. */
  name?: string;
  /** FROM's image argument, before expansion. */
  base: string;
  from: Instruction;
  steps: Instruction[];
}

export interface Plan {
  globalArgs: Instruction[];
  stages: Stage[];
  /** Indexes of the stages to build, in order; the last is the target. */
  build: number[];
}

/** The flags each instruction takes (anything else is refused with its line, as BuildKit does). */
const FLAGS: Record<string, string[]> = {
  FROM: ["platform"], RUN: ["mount", "network", "security"], COPY: ["from", "chown", "chmod", "link", "parents", "exclude"],
  ADD: ["chown", "chmod", "link", "checksum", "keep-git-dir", "unpack", "exclude"], HEALTHCHECK: ["interval", "timeout", "start-period", "start-interval", "retries"],
};

const KNOWN = new Set(["FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"]);

export function planStages(instructions: Instruction[], file: string, target?: string): Plan {
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const inst of instructions) {
    if (!KNOWN.has(inst.keyword)) throw parseError(file, inst.line, `unknown instruction: ${inst.keyword}`);
    for (const flag of Object.keys(inst.flags)) {
      if (!(FLAGS[inst.keyword] ?? []).includes(flag)) throw parseError(file, inst.line, `${inst.keyword}: unknown flag: --${flag}`);
    }
    if (inst.keyword === "FROM") {
      const words = inst.rest.split(/\s+/).filter(Boolean);
      if (!(words.length === 1 || (words.length === 3 && words[1].toUpperCase() === "AS"))) {
        throw parseError(file, inst.line, "FROM requires either one or three arguments");
      }
      const name = words[2]?.toLowerCase();
      if (name !== undefined && !/^[a-z][a-z0-9-_.]*$/.test(name)) throw parseError(file, inst.line, `invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
      if (name !== undefined && stages.some((s) => s.name === name)) throw parseError(file, inst.line, `duplicate name for build stage: "${name}"`);
      stages.push({ index: stages.length, name, base: words[0], from: inst, steps: [] });
      continue;
    }
    if (stages.length === 0) {
      if (inst.keyword !== "ARG") throw parseError(file, inst.line, "no FROM statement found");
      globalArgs.push(inst);
      continue;
    }
    stages[stages.length - 1].steps.push(inst);
  }
  if (stages.length === 0) throw parseError(file, 1, "no FROM statement found");
  let last = stages.length - 1;
  if (target !== undefined) {
    const t = stages.find((s) => s.name === target.toLowerCase());
    if (!t) throw parseError(file, 1, `the target "${target}" was not found in the provided Containerfile`);
    last = t.index;
  }
  const needed = new Set<number>();
  const need = (i: number) => {
    if (needed.has(i)) return;
    needed.add(i);
    for (const ref of stageRefs(stages[i])) {
      const dep = findStage(stages, ref, i);
      if (dep !== undefined) need(dep);
    }
  };
  need(last);
  return { globalArgs, stages, build: [...needed].sort((a, b) => a - b) };
}

/** What a stage names that may be an earlier stage: its base, COPY --from, RUN --mount from=. */
function stageRefs(stage: Stage): string[] {
  const refs = [stage.base];
  for (const s of stage.steps) {
    for (const f of s.flags.from ?? []) refs.push(f);
    for (const m of s.flags.mount ?? []) {
      const from = /(?:^|,)from=([^,]+)/.exec(m);
      if (from) refs.push(from[1]);
    }
  }
  return refs;
}

/** The earlier stage a reference names (by name, or by index as COPY --from=0 does), if any. */
export function findStage(stages: Stage[], ref: string, before: number): number | undefined {
  const byName = stages.findIndex((s) => s.name === ref.toLowerCase() && s.index < before);
  if (byName !== -1) return byName;
  if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref);
  return undefined;
}
