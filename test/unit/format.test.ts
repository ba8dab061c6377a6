import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatList, formatObject, headerFor, isJsonFormat } from "../../src/output/format.js";
import { alignColumns } from "../../src/output/tabwriter.js";
import { humanSize, binarySize } from "../../src/output/units.js";
import { createProgress } from "../../src/output/progress.js";
import { isTerminalDevice } from "../../src/output/stdio.js";

const rows = [
  { ID: "abc", Names: ["web"], CreatedAt: "now" },
  { ID: "defghijklmnop", Names: ["db", "x"], CreatedAt: "then" },
];

describe("output formatting", () => {
  it("detects podman's json formats", () => {
    for (const f of ["json", " json ", "{{json}}", "{{ json . }}", "{{json .}}"]) assert.ok(isJsonFormat(f), f);
    for (const f of ["{{json .Names}}", "table {{.ID}}", undefined, "jsonx"]) assert.ok(!isJsonFormat(f), String(f));
  });

  it("prints --format json as one indented array", () => {
    const out = formatList(rows, { format: "json", defaultTemplate: "{{.ID}}" });
    assert.deepEqual(JSON.parse(out), rows);
    assert.match(out, /^\[\n {4}\{/);
  });

  it("prints a template once per row", () => {
    assert.equal(formatList(rows, { format: "{{.ID}} {{join .Names \",\"}}", defaultTemplate: "" }), "abc web\ndefghijklmnop db,x\n");
    assert.equal(formatList(rows, { format: "{{.ID}}\\t{{.CreatedAt}}", defaultTemplate: "" }), "abc\tnow\ndefghijklmnop\tthen\n");
  });

  it("aligns tables with headers derived from field names", () => {
    const out = formatList(rows, { defaultTemplate: "{{.ID}}\t{{.CreatedAt}}", headers: { ID: "CONTAINER ID" } });
    assert.equal(out, ["CONTAINER ID   CREATED AT", "abc            now", "defghijklmnop  then", ""].join("\n"));
    const noHead = formatList(rows, { format: "table {{.ID}}", defaultTemplate: "", noHeading: true });
    assert.equal(noHead, "abc\ndefghijklmnop\n");
  });

  it("aligns like Go's tabwriter (minwidth 12, padding 2, last cell unpadded)", () => {
    assert.deepEqual(alignColumns(["a\tb\tc", "long-long-long\tx\ty"]), ["a               b           c", "long-long-long  x           y"]);
  });

  it("derives headers as podman does", () => {
    assert.equal(headerFor("CreatedAt"), "CREATED AT");
    assert.equal(headerFor("ID"), "ID");
    assert.equal(headerFor("ImageID"), "IMAGE ID");
  });

  it("formats single objects", () => {
    const v = { Client: { Version: "1" } };
    assert.equal(formatObject(v, "{{.Client.Version}}", () => "text"), "1\n");
    assert.deepEqual(JSON.parse(formatObject(v, "json", () => "")), v);
    assert.equal(formatObject(v, undefined, () => "text"), "text");
  });

  it("prints sizes like podman", () => {
    assert.equal(humanSize(0), "0 B");
    assert.equal(humanSize(7_630_000), "7.63 MB");
    assert.equal(humanSize(1000), "1 kB");
    assert.equal(humanSize(123_456_789), "123 MB");
    assert.equal(binarySize(1536), "1.5 KiB");
  });
});

describe("terminal detection", () => {
  it("recognises terminals by device major, not /dev/null", () => {
    assert.equal(isTerminalDevice(true, 0x8803), true, "/dev/pts/3 (136, 3)");
    assert.equal(isTerminalDevice(true, 0x0401), true, "/dev/tty1 (4, 1)");
    assert.equal(isTerminalDevice(true, 0x0500), true, "/dev/tty (5, 0)");
    assert.equal(isTerminalDevice(true, 0x0103), false, "/dev/null (1, 3)");
    assert.equal(isTerminalDevice(false, 0x8803), false, "not a character device");
    assert.equal(isTerminalDevice(true, 0x1000 * 2 ** 32 + 0x8803), false, "major 0x1088 is not 136");
  });
});

describe("progress", () => {
  const sink = () => {
    const chunks: string[] = [];
    return { chunks, stream: { write: (s: string) => chunks.push(s), isTTY: false } };
  };

  it("prints one plain line per event when not a terminal", () => {
    const { chunks, stream } = sink();
    const p = createProgress(stream, { tty: false });
    p.start("a", "Copying blob sha256:aaaa", 100);
    p.update("a", 50);
    p.done("a");
    p.close();
    assert.deepEqual(chunks, ["Copying blob sha256:aaaa: started\n", "Copying blob sha256:aaaa: done\n"]);
  });

  it("redraws bars in place on a terminal", () => {
    const { chunks, stream } = sink();
    let now = 0;
    const p = createProgress(stream, { tty: true, columns: 80, now: () => now });
    p.start("a", "layer1", 1024 * 1024);
    p.start("b", "layer2", 2048);
    now = 1000;
    p.update("a", 512 * 1024);
    const text = chunks.join("");
    assert.match(text, /layer1 \[=+ +\] 512\.0 KiB \/ 1\.0 MiB 512\.0 KiB\/s/);
    assert.match(text, /\x1b\[2A/, "moves the cursor up over the previous bars");
    now = 1050;
    const before = chunks.length;
    p.update("a", 600 * 1024);
    assert.equal(chunks.length, before, "throttles redraws");
    p.done("b", "exists");
    assert.match(chunks.join(""), /layer2 exists/);
  });

  it("prints one line for an item that needs no work", () => {
    const { chunks, stream } = sink();
    createProgress(stream, { tty: false }).note("a", "Copying blob abc", "skipped: already exists");
    assert.deepEqual(chunks, ["Copying blob abc: skipped: already exists\n"]);
  });

  it("prints nothing when quiet", () => {
    const { chunks, stream } = sink();
    const p = createProgress(stream, { quiet: true });
    p.start("a", "x", 1);
    p.done("a");
    assert.deepEqual(chunks, []);
  });
});
