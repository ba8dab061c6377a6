import { arch, platform } from "node:os";
import { jsRuntimeVersion } from "../../runtime-info.js";
import { findExecutable, readRuntimeVersion } from "../../runtime/locate.js";
import { OCI_IMAGE_SPEC_VERSION, OCI_RUNTIME_SPEC_VERSION, VERSION } from "../../version.js";
import { formatObject } from "../../output/format.js";
import type { Handler } from "../table/types.js";

/** Go's GOARCH names, which image platforms use. */
export function goArch(nodeArch: string): string {
  return ({ x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" } as Record<string, string>)[nodeArch] ?? nodeArch;
}

export const version: Handler = async ({ ctx, opts }) => {
  const path = findExecutable(ctx.runtime, ctx.env);
  const rv = path ? await readRuntimeVersion(path) : {};
  const data = {
    Client: {
      // podman's keys first (scripts read them), skiff's own after
      APIVersion: VERSION,
      Version: VERSION,
      GoVersion: jsRuntimeVersion(),
      GitCommit: "",
      BuiltTime: "",
      Built: 0,
      OsArch: `${platform()}/${goArch(arch())}`,
      Os: platform(),
      JsRuntime: jsRuntimeVersion(),
      OciRuntimeSpec: OCI_RUNTIME_SPEC_VERSION,
      OciImageSpec: OCI_IMAGE_SPEC_VERSION,
    },
    OciRuntime: { Name: ctx.runtime, Path: path ?? "", Version: rv.version ?? "", Commit: rv.commit ?? "", Spec: rv.spec ?? "" },
  };
  return formatObject(data, opts.format as string | undefined, () =>
    [
      ["Version:", VERSION],
      ["JS Runtime:", data.Client.JsRuntime],
      ["OS/Arch:", data.Client.OsArch],
      ["OCI Spec:", `runtime-spec ${OCI_RUNTIME_SPEC_VERSION}, image-spec ${OCI_IMAGE_SPEC_VERSION}`],
      ["OCI Runtime:", path ? `${ctx.runtime} ${rv.version ?? "(version unknown)"} (${path})` : `${ctx.runtime} (not found)`],
    ].map(([k, v]) => `${k.padEnd(13)}${v}\n`).join(""),
  );
};
