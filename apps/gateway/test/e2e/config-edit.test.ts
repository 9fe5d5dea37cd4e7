// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { readdir, readFile, writeFile } from "node:fs/promises";
import JSON5 from "json5";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** A config as an operator keeps it: comments above, beside and inside blocks, single quotes, trailing commas. */
function commentedConfig(world: GatewayHarness): string {
  return `// imessage-channel on the Mac mini: ask before changing the policy.
{
  channels: {
    imessage: {
      cliPath: ${JSON.stringify(world.wrapperPath)},
      dbPath: ${JSON.stringify(world.dbPath)},
      /* strangers get a pairing code */
      dmPolicy: 'pairing', // since March
      allowFrom: ['+15555550123'],
    },
  },
  // The agent on this machine.
  agents: { list: [{ id: "main", default: true, runtime: { type: "echo" } }] },
}
`;
}

describe("config set and unset on the real CLI", () => {
  it("keep every comment of a commented file, change only what was named, and print where the backup is", async () => {
    harness = await GatewayHarness.create();
    const original = commentedConfig(harness);
    await writeFile(harness.configPath, original);
    const config = (...args: string[]) => harness!.cli(["config", ...args, "--config", harness!.configPath]);

    const set = await config("set", "channels.imessage.dmPolicy", "allowlist");
    expect(set).toMatchObject({ code: 0, stderr: "" });
    expect(set.stdout).toBe(
      `Set channels.imessage.dmPolicy in ${harness.configPath} (edited in place: comments and formatting kept). A running gateway picks it up on restart.\nThe previous version is kept as ${harness.configPath}.bak.\n`,
    );
    expect(await readFile(harness.configPath, "utf8")).toBe(original.replace("'pairing'", "'allowlist'"));
    expect(await readFile(`${harness.configPath}.bak`, "utf8")).toBe(original);

    expect((await config("set", "channels.imessage.catchup.enabled", "true")).code).toBe(0);
    expect((await config("unset", "channels.imessage.allowFrom")).code).toBe(0);
    expect(await readFile(harness.configPath, "utf8")).toBe(
      original
        .replace("'pairing'", "'allowlist'")
        .replace("      allowFrom: ['+15555550123'],\n", "      catchup: {\n        enabled: true,\n      },\n"),
    );
    expect((await config("validate")).code).toBe(0);

    const missing = await config("unset", "channels.imessage.allowFrom");
    expect(missing).toMatchObject({
      code: 0,
      stdout: `channels.imessage.allowFrom is not set in ${harness.configPath}; nothing changed.\n`,
    });
  });

  it("still refuse a value the schema rejects, naming key, value and fix, and write nothing", async () => {
    harness = await GatewayHarness.create();
    const original = commentedConfig(harness);
    await writeFile(harness.configPath, original);
    const bad = await harness.cli([
      "config",
      "set",
      "channels.imessage.dmPolicy",
      "opn",
      "--config",
      harness.configPath,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'error: channels.imessage.dmPolicy: "opn" is not one of pairing | allowlist | open | disabled (did you mean "open"?)\n',
    );
    expect(await readFile(harness.configPath, "utf8")).toBe(original);
    expect((await readdir(harness.dir)).filter((name) => name.includes(".json5"))).toEqual(["imessage-channel.json5"]);
  });

  it("refuse a file they cannot edit in place in one line naming --force; --force rewrites it and keeps the old text", async () => {
    harness = await GatewayHarness.create();
    const twice = `// dmPolicy twice: json5 keeps the last one\n{ channels: { imessage: { cliPath: ${JSON.stringify(harness.wrapperPath)}, dmPolicy: "pairing", dmPolicy: "allowlist" } } }\n`;
    await writeFile(harness.configPath, twice);
    const args = ["config", "set", "channels.imessage.dmPolicy", "disabled", "--config", harness.configPath];

    const refused = await harness.cli(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split("\n")).toEqual([
      `error: ${harness.configPath}: cannot change channels.imessage.dmPolicy in place (channels.imessage.dmPolicy: the key "dmPolicy" is written more than once); nothing was written. Edit the file by hand, or rerun with --force to rewrite the whole file as JSON5 without its comments (the current text is then kept as ${harness.configPath}.bak)`,
    ]);
    expect(await readFile(harness.configPath, "utf8")).toBe(twice);

    const forced = await harness.cli([...args, "--force"]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain("(rewritten as plain JSON5 (--force): its comments and formatting are gone)");
    expect(forced.stdout).toContain(`The previous version is kept as ${harness.configPath}.bak.`);
    expect(JSON5.parse(await readFile(harness.configPath, "utf8")).channels.imessage.dmPolicy).toBe("disabled");
    expect(await readFile(`${harness.configPath}.bak`, "utf8")).toBe(twice);
  });
});

describe("config get --effective on the real CLI", () => {
  it("prints the value an account runs with and the key, or default, it comes from", async () => {
    harness = await GatewayHarness.create();
    await harness.writeConfig({
      config: {
        channels: {
          defaults: { textChunkLimit: 1200 },
          imessage: {
            cliPath: harness.wrapperPath,
            dmPolicy: "pairing",
            catchup: { maxAgeMinutes: 5000 },
            accounts: { work: { dmPolicy: "allowlist" }, home: {} },
          },
        },
      },
    });
    const get = (...args: string[]) => harness!.cli(["config", "get", ...args, "--config", harness!.configPath]);

    expect(await get("channels.imessage.dmPolicy", "--effective", "--account", "work")).toEqual({
      code: 0,
      stdout: 'allowlist\nsource: channels.imessage.accounts.work.dmPolicy (the override of account "work")\n',
      stderr: "",
    });
    expect((await get("channels.imessage.dmPolicy", "--effective", "--account", "home")).stdout).toBe(
      'pairing\nsource: channels.imessage.dmPolicy (the channel\'s setting, inherited by account "home")\n',
    );
    expect((await get("channels.imessage.accounts.home.textChunkLimit", "--effective")).stdout).toBe(
      '1200\nsource: channels.defaults.textChunkLimit (channels.defaults, inherited by account "home")\n',
    );
    expect((await get("channels.imessage.chunkMode", "--account", "work")).stdout).toBe(
      'length\nsource: built-in default (nothing in the file sets it for account "work")\n',
    );
    expect((await get("channels.imessage.catchup.maxAgeMinutes", "--account", "work")).stdout).toBe(
      '720\nsource: channels.imessage.catchup.maxAgeMinutes (the channel\'s setting, inherited by account "work")\nwritten there as 5000; the gateway uses the value above\n',
    );
    const json = await get("channels.imessage.dmPolicy", "--effective", "--account", "work", "--json");
    expect(JSON.parse(json.stdout)).toEqual({
      path: "channels.imessage.dmPolicy",
      accountId: "work",
      value: "allowlist",
      source: "account",
      keyPath: "channels.imessage.accounts.work.dmPolicy",
    });

    const ambiguous = await get("channels.imessage.dmPolicy", "--effective");
    expect(ambiguous).toMatchObject({
      code: 2,
      stderr: "error: channels.imessage.dmPolicy can differ per account; name one with --account (work, home)\n",
    });
    const unknownAccount = await get("channels.imessage.dmPolicy", "--account", "play");
    expect(unknownAccount).toMatchObject({
      code: 2,
      stderr: 'error: account "play" is not configured; known accounts: work, home\n',
    });
  });
});
