import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { exportedNameOf, findChunkExport } from "./locate-export.ts";

// The shapes rolldown writes, as in @openclaw/imessage's dist/.setup chunks.
const home = [
  "var IMessageRpcClient = class {};",
  "async function createIMessageRpcClient(opts = {}) {",
  "\treturn new IMessageRpcClient(opts);",
  "}",
  "export { chatContextFromIMessageTarget as _, IMessageRpcRequestError as a, createIMessageRpcClient as o, sanitizeOutboundText as r };",
].join("\n");
const importer = [
  'import { o as createIMessageRpcClient } from "./sanitize-outbound-sJPF2DVM.mjs";',
  "const client = await createIMessageRpcClient({});",
  "export { client as t };",
].join("\n");

describe("exportedNameOf", () => {
  it("finds the one-letter alias a chunk exports its own function under", () => {
    expect(exportedNameOf(home, "createIMessageRpcClient")).toBe("o");
    expect(exportedNameOf(home, "IMessageRpcClient")).toBeUndefined();
  });

  it("takes a plain export and an exported declaration under their own names", () => {
    expect(exportedNameOf("function send() {}\nexport { other as a, send };", "send")).toBe("send");
    expect(exportedNameOf("export async function sendMessageIMessage(to) {}", "sendMessageIMessage")).toBe(
      "sendMessageIMessage",
    );
  });

  it("does not take a chunk that only imports the name for its home", () => {
    expect(exportedNameOf(importer, "createIMessageRpcClient")).toBeUndefined();
  });

  it("does not match a longer name that starts with the one asked for", () => {
    expect(
      exportedNameOf(
        "function createIMessageRpcClientSoon() {}\nexport { createIMessageRpcClientSoon as o };",
        "createIMessageRpcClient",
      ),
    ).toBeUndefined();
  });
});

describe("findChunkExport", () => {
  let directory: string | undefined;
  afterEach(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it("finds the declaring chunk among hashed file names, whatever imports it", () => {
    directory = mkdtempSync(join(tmpdir(), "bench-peer-chunks-"));
    writeFileSync(join(directory, "monitor-BJ3Ozi6I.mjs"), importer);
    writeFileSync(join(directory, "sanitize-outbound-sJPF2DVM.mjs"), home);
    writeFileSync(join(directory, "notes.txt"), home);
    expect(findChunkExport(directory, "createIMessageRpcClient")).toEqual({
      file: join(directory, "sanitize-outbound-sJPF2DVM.mjs"),
      exportName: "o",
    });
    expect(findChunkExport(directory, "neverDeclared")).toBeUndefined();
  });
});
