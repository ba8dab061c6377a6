/** man pages (roff) for skiff(1) and skiff-<command>(1), generated from the command table. */
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from "../table/index.js";
import { usageLine } from "../parse.js";
import { describeOption } from "../help.js";
import { VERSION } from "../../version.js";

/** Escapes text for roff: backslashes, and a leading dot or quote that would start a request. */
export function roff(text: string): string {
  return text.replace(/\\/g, "\\e").replace(/-/g, "\\-").replace(/^([.'])/gm, "\\&$1");
}

export function manName(c: CommandSpec): string {
  return `skiff-${c.name.replace(/ /g, "-")}`;
}

function th(name: string, date: string): string {
  return `.TH ${name.toUpperCase()} 1 "${date}" "skiff ${VERSION}" "skiff manual"\n`;
}

function options(list: OptionSpec[]): string {
  return list
    .map((o) => {
      const names = [o.short ? `\\fB\\-${o.short}\\fR` : "", `\\fB\\-\\-${roff(o.name)}\\fR`].filter(Boolean).join(", ");
      const value = o.valueName ? ` \\fI${roff(o.valueName)}\\fR` : "";
      return `.TP\n${names}${value}\n${roff(describeOption(o))}\n`;
    })
    .join("");
}

export function commandPage(c: CommandSpec, date: string): string {
  let page = th(manName(c), date);
  page += `.SH NAME\n${manName(c)} \\- ${roff(c.description)}\n`;
  page += `.SH SYNOPSIS\n\\fBskiff ${roff(usageLine(c))}\\fR\n`;
  if (c.aliases?.length) page += `.SH ALIASES\n${c.aliases.map((a) => `\\fBskiff ${roff(a)}\\fR`).join(", ")}\n`;
  page += `.SH DESCRIPTION\n${roff(c.description)}.\n`;
  if (!c.handler) page += "This command is not implemented yet: it exits 125.\n";
  if (c.options?.length) page += `.SH OPTIONS\n${options(c.options)}`;
  if (c.examples?.length) page += `.SH EXAMPLES\n${c.examples.map((e) => `.nf\n${roff(e)}\n.fi\n`).join("")}`;
  page += `.SH SEE ALSO\n\\fBskiff\\fR(1)\n`;
  return page;
}

export function mainPage(date: string): string {
  const visible = COMMANDS.filter((c) => !c.hidden);
  let page = th("skiff", date);
  page += ".SH NAME\nskiff \\- a daemonless container manager in one executable\n";
  page += ".SH SYNOPSIS\n\\fBskiff\\fR [\\fIglobal options\\fR] \\fICOMMAND\\fR [\\fIoptions\\fR] [\\fIARGS\\fR...]\n";
  page += ".SH DESCRIPTION\nskiff pulls OCI images, unpacks them, and runs containers with runc under a small per-container shim. There is no daemon.\n";
  page += `.SH COMMANDS\n${visible.map((c) => `.TP\n\\fB${roff(c.name)}\\fR\n${roff(c.description)}. See \\fB${manName(c)}\\fR(1).\n`).join("")}`;
  page += `.SH GLOBAL OPTIONS\n${options(GLOBAL_OPTIONS)}`;
  page += ".SH ENVIRONMENT\n.TP\n\\fBSKIFF_ROOT\\fR, \\fBSKIFF_RUNROOT\\fR\nDefaults for \\fB\\-\\-root\\fR and \\fB\\-\\-runroot\\fR.\n.TP\n\\fBSKIFF_CONFIG\\fR\nRead this config file instead of /etc/skiff/skiff.toml and ~/.config/skiff/skiff.toml.\n.TP\n\\fBNO_COLOR\\fR\nNever colour output.\n";
  page += ".SH EXIT STATUS\n125 for an error of skiff itself; 126 when the contained command cannot be invoked; 127 when it is not found; otherwise the container's exit code (128+N after signal N).\n";
  page += ".SH FILES\n/etc/skiff/skiff.toml, ~/.config/skiff/skiff.toml\n";
  return page;
}

/** Every page by file name. `date` is fixed by the caller so that builds are reproducible. */
export function allPages(date: string): Map<string, string> {
  const pages = new Map([["skiff.1", mainPage(date)]]);
  for (const c of COMMANDS.filter((x) => !x.hidden)) pages.set(`${manName(c)}.1`, commandPage(c, date));
  return pages;
}
