import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorMessage } from "@imessage-channel/kit";
import JSON5 from "json5";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.ts";
import { getConfigValue, parseCliValue, parseDottedPath, setConfigValue, unsetConfigValue } from "./config-writes.ts";

let directory: string;
let path: string;
const original = `// keep me
{
  channels: {
    imessage: { dmPolicy: "pairing", allowFrom: ["+15555550123"], groups: { "8421": { requireMention: true } } },
  },
}
`;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "config-writes-"));
  path = join(directory, "imessage-channel.json5");
  await writeFile(path, original);
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const onDisk = async () => JSON5.parse(await readFile(path, "utf8"));
const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe("config writes", () => {
  it("reads a value by dotted path", async () => {
    expect(await getConfigValue(path, "channels.imessage.dmPolicy")).toBe("pairing");
    expect(await getConfigValue(path, "channels.imessage.allowFrom[0]")).toBe("+15555550123");
    expect(await getConfigValue(path, "channels.imessage.groups.8421.requireMention")).toBe(true);
    expect(await getConfigValue(path, "channels.imessage.textChunkLimit")).toBeUndefined();
  });

  it("sets a value, creating the objects on the way", async () => {
    await setConfigValue(path, "channels.imessage.groups.9907.systemPrompt", "");
    await setConfigValue(path, "channels.imessage.catchup.enabled", true);
    const written = await onDisk();
    expect(written.channels.imessage.groups["9907"]).toEqual({ systemPrompt: "" });
    expect(written.channels.imessage.catchup).toEqual({ enabled: true });
    expect(written.channels.imessage.dmPolicy).toBe("pairing");
  });

  it("refuses a value that makes the file invalid and leaves the file untouched", async () => {
    const error = await caught(setConfigValue(path, "channels.imessage.dmPolicy", "opn"));
    expect(ConfigError.isInstance(error) && error.code).toBe("CONFIG_INVALID");
    expect((error as ConfigError).problems).toEqual([
      'channels.imessage.dmPolicy: "opn" is not one of pairing | allowlist | open | disabled (did you mean "open"?)',
    ]);
    expect(await readFile(path, "utf8")).toBe(original);
  });

  it("refuses a change that breaks a cross-field rule", async () => {
    const error = await caught(setConfigValue(path, "channels.imessage.dmPolicy", "open"));
    expect((error as ConfigError).problems[0]).toMatch(
      /^channels\.imessage\.dmPolicy: "open" requires "\*" in allowFrom/,
    );
  });

  it("refuses to name the first account when that would drop the implicit default account, and allows it after", async () => {
    const error = await caught(setConfigValue(path, "channels.imessage.accounts.work.dmPolicy", "allowlist"));
    expect((error as ConfigError).problems).toEqual([
      'channels.imessage.accounts.work: naming the first account would drop the implicit "default" account the gateway runs now (with its pairings and cursors); set channels.imessage.accounts.default to {} first to keep it',
    ]);
    expect(await readFile(path, "utf8")).toBe(original);
    await setConfigValue(path, "channels.imessage.accounts.default", {});
    await setConfigValue(path, "channels.imessage.accounts.work.dmPolicy", "allowlist");
    expect(Object.keys((await onDisk()).channels.imessage.accounts)).toEqual(["default", "work"]);
  });

  it("unsets keys and array elements", async () => {
    await unsetConfigValue(path, "channels.imessage.groups.8421");
    await unsetConfigValue(path, "channels.imessage.allowFrom[0]");
    const written = await onDisk();
    expect(written.channels.imessage.groups).toEqual({});
    expect(written.channels.imessage.allowFrom).toEqual([]);
  });

  it("treats unsetting a missing key as a no-op that does not rewrite the file", async () => {
    expect(await unsetConfigValue(path, "channels.imessage.catchup.enabled")).toBeUndefined();
    expect(await readFile(path, "utf8")).toBe(original);
  });

  it("keeps the previous text as <file>.bak, says so, and leaves no temp files", async () => {
    const result = await setConfigValue(path, "channels.imessage.textChunkLimit", 1000);
    expect(result).toEqual({ file: path, how: "edited", backupPath: `${path}.bak` });
    expect(await readFile(`${path}.bak`, "utf8")).toBe(original);
    expect((await readdir(directory)).sort()).toEqual(["imessage-channel.json5", "imessage-channel.json5.bak"]);
  });

  it("edits the file in place: comments and layout stay, only the changed members differ", async () => {
    await setConfigValue(path, "channels.imessage.dmPolicy", "allowlist");
    await setConfigValue(path, "channels.imessage.textChunkLimit", 1000);
    await unsetConfigValue(path, "channels.imessage.groups.8421");
    expect(await readFile(path, "utf8")).toBe(`// keep me
{
  channels: {
    imessage: { dmPolicy: "allowlist", allowFrom: ["+15555550123"], groups: {}, textChunkLimit: 1000 },
  },
}
`);
  });

  it("refuses a file it cannot edit in place and writes nothing; force rewrites it and keeps the old text", async () => {
    const twice =
      '// two dmPolicy lines: json5 keeps the last\n{ channels: { imessage: { dmPolicy: "pairing", dmPolicy: "allowlist" } } }\n';
    await writeFile(path, twice);
    const error = await caught(setConfigValue(path, "channels.imessage.dmPolicy", "disabled"));
    expect(ConfigError.isInstance(error) && error.code).toBe("CONFIG_EDIT_UNSAFE");
    expect((error as ConfigError).problems).toEqual([
      `${path}: cannot change channels.imessage.dmPolicy in place (channels.imessage.dmPolicy: the key "dmPolicy" is written more than once); nothing was written. Edit the file by hand, or rerun with --force to rewrite the whole file as JSON5 without its comments (the current text is then kept as ${path}.bak)`,
    ]);
    expect(await readFile(path, "utf8")).toBe(twice);
    expect((await readdir(directory)).sort()).toEqual(["imessage-channel.json5"]);

    const result = await setConfigValue(path, "channels.imessage.dmPolicy", "disabled", { force: true });
    expect(result).toEqual({ file: path, how: "rewritten", backupPath: `${path}.bak` });
    expect(await onDisk()).toEqual({ channels: { imessage: { dmPolicy: "disabled" } } });
    expect(await readFile(`${path}.bak`, "utf8")).toBe(twice);
  });

  it("refuses to write past the end of an array, which would leave holes", async () => {
    const error = await caught(setConfigValue(path, "channels.imessage.allowFrom[3]", "+15555550199"));
    expect(ConfigError.isInstance(error) && error.code).toBe("CONFIG_PATH_INVALID");
    expect(errorMessage(error)).toBe(
      "channels.imessage.allowFrom has 1 element, so channels.imessage.allowFrom[3] cannot be set; use [1] to append",
    );
    await setConfigValue(path, "channels.imessage.allowFrom[1]", "+15555550199");
    expect((await onDisk()).channels.imessage.allowFrom).toEqual(["+15555550123", "+15555550199"]);
  });

  it("unsets list.0 as it unsets list[0], leaving no hole", async () => {
    await unsetConfigValue(path, "channels.imessage.allowFrom.0");
    expect((await onDisk()).channels.imessage.allowFrom).toEqual([]);
  });

  it("creates the file when it does not exist yet", async () => {
    const fresh = join(directory, "fresh.json5");
    expect(await setConfigValue(fresh, "channels.imessage.dmPolicy", "allowlist")).toEqual({
      file: fresh,
      how: "created",
      backupPath: undefined,
    });
    expect(JSON5.parse(await readFile(fresh, "utf8"))).toEqual({ channels: { imessage: { dmPolicy: "allowlist" } } });
  });

  it("refuses to set below a value that is not an object", async () => {
    const error = await caught(setConfigValue(path, "channels.imessage.dmPolicy.deeper", 1));
    expect(ConfigError.isInstance(error) && error.code).toBe("CONFIG_PATH_INVALID");
    expect(errorMessage(error)).toBe(
      'channels.imessage.dmPolicy: "pairing" is not an object, so channels.imessage.dmPolicy.deeper cannot be set',
    );
  });
});

describe("path and value parsing", () => {
  it("splits dots and [n] indexes", () => {
    expect(parseDottedPath("agents.list[0].runtime.command[1]")).toEqual([
      "agents",
      "list",
      0,
      "runtime",
      "command",
      1,
    ]);
    expect(parseDottedPath("channels.imessage.groups.*.systemPrompt")).toEqual([
      "channels",
      "imessage",
      "groups",
      "*",
      "systemPrompt",
    ]);
  });

  it("rejects empty segments", () => {
    expect(() => parseDottedPath("channels..imessage")).toThrow(/is not a key path/);
  });

  it("reads CLI values as JSON5 when they parse, else as text", () => {
    expect(parseCliValue("true")).toBe(true);
    expect(parseCliValue("16")).toBe(16);
    expect(parseCliValue("['*']")).toEqual(["*"]);
    expect(parseCliValue("pairing")).toBe("pairing");
  });
});
