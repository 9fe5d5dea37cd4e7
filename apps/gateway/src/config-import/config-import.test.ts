import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { translateForeignConfig, validateConfig } from "@imessage-channel/config";
import JSON5 from "json5";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../cli.ts";
import { capturedIo } from "../service/captured-io.ts";

const fixtures = join(import.meta.dirname, "__fixtures__");
const referenceDirectory = join(fixtures, "reference");
const referenceConfigs = readdirSync(referenceDirectory).filter((name) => name.endsWith(".json5"));
const readFixture = (path: string) => JSON5.parse(readFileSync(path, "utf8")) as Record<string, unknown>;

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "imessage-channel-import-"));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

async function run(...args: string[]) {
  const io = capturedIo({ HOME: directory }, directory);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe("config import --from openclaw: every JSON5 block of the reference document", () => {
  it("has all eleven config blocks as fixtures", () => {
    expect(referenceConfigs).toHaveLength(11);
  });

  for (const name of referenceConfigs) {
    it(`${name} imports into a config that config validate accepts, carrying every key the example sets`, async () => {
      const source = readFixture(join(referenceDirectory, name));
      const result = translateForeignConfig(source, "openclaw", name);
      expect(validateConfig(result.config).errors).toEqual([]);
      const expected = structuredClone(source) as { channels?: { imessage?: Record<string, unknown> } };
      // The Tailscale example's remoteHost is an e-mail-obfuscated "[email protected]" in the document:
      // not a host, so it is reported and left out rather than written into an invalid config.
      if (name === "05-tailscale.json5") delete expected.channels?.imessage?.remoteHost;
      expect(result.config).toEqual(expected);
      expect(result.notes.filter((note) => !note.carried).map((note) => note.path)).toEqual(
        name === "05-tailscale.json5" ? ["channels.imessage.remoteHost"] : [],
      );

      const out = join(directory, "imessage-channel.json5");
      const imported = await run(
        "config",
        "import",
        "--from",
        "openclaw",
        join(referenceDirectory, name),
        "--out",
        out,
      );
      expect(imported.err).toBe("");
      expect(imported.code).toBe(0);
      const validated = await run("config", "validate", "--config", out);
      expect(validated.err.replace(/^warning: .*\n/gm, "")).toBe("");
      expect(validated.out).toBe(`${out}: valid\n`);
    });
  }

  it("notes paths inside ~/.openclaw and keeps them as written", () => {
    const result = translateForeignConfig(
      readFixture(join(referenceDirectory, "02-remote-mac-ssh.json5")),
      "openclaw",
      "x",
    );
    expect(result.notes).toContainEqual({
      path: "channels.imessage.cliPath",
      carried: true,
      reason: expect.stringContaining("~/.imessage-channel"),
    });
  });

  // 12-catchup-cursor.json is the JSON block of "Cursor and retry semantics" (reference lines 363-368).
  it("refuses the catchup cursor file (state, not config): nothing to import, every key listed", async () => {
    const result = await run(
      "config",
      "import",
      "--from",
      "openclaw",
      join(referenceDirectory, "12-catchup-cursor.json"),
    );
    expect(result.code).toBe(1);
    for (const key of ["lastSeenMs", "lastSeenRowid", "updatedAt", "failureRetries"]) {
      expect(result.out).toMatch(new RegExp(`^  ${key}: not carried; imessage-channel has no such setting$`, "m"));
    }
    expect(result.err).toMatch(/nothing to import/);
  });
});

describe("config import --from bluebubbles", () => {
  it("translates the BlueBubbles block: server keys dropped with a note, policies, lists, groups, actions, chunking and media carried", async () => {
    const out = join(directory, "imported.json5");
    const result = await run(
      "config",
      "import",
      "--from",
      "bluebubbles",
      join(fixtures, "bluebubbles.json5"),
      "--out",
      out,
    );
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const written = readFileSync(out, "utf8");
    const config = JSON5.parse(written);
    expect(validateConfig(config).errors).toEqual([]);
    expect(config.channels.imessage).toEqual({
      enabled: true,
      dmPolicy: "allowlist",
      allowFrom: ["+15555550123", "+15555550199", "chat_guid:iMessage;-;friend@example.com"],
      groupPolicy: "allowlist",
      groupAllowFrom: ["+15555550123"],
      groups: {
        "*": { requireMention: true },
        "chat_guid:iMessage;+;chat123456789": { systemPrompt: "Family chat: be brief." },
      },
      actions: { reactions: true, edit: false, unsend: true, reply: true, sendWithEffect: true, sendAttachment: true },
      textChunkLimit: 2000,
      chunkMode: "newline",
      mediaMaxMb: 8,
      sendReadReceipts: false,
      coalesceSameSenderDms: true,
      // The reference's history settings are ours too: carried as written.
      historyLimit: 25,
      accounts: { work: { allowFrom: ["+15555550111"] } },
    });
    expect(config.bindings).toEqual([{ agentId: "main", match: { channel: "imessage", accountId: "work" } }]);
    expect(config.messages).toEqual({ inbound: { byChannel: { imessage: 3000 } } });
    for (const key of ["serverUrl", "password", "webhookPath", "accounts.work.serverUrl", "accounts.work.password"]) {
      expect(result.out).toMatch(
        new RegExp(`^  channels\\.bluebubbles\\.${key.replace(".", "\\.")}: not carried; .+$`, "m"),
      );
    }
    expect(result.out).toMatch(/channels\.bluebubbles\.groups\["iMessage;\+;chat123456789"\]\.tools: not carried/);
    expect(result.out).toMatch(/messages\.inbound\.byChannel\.telegram: not carried; not the iMessage channel/);
    // Secrets never leave the source file.
    expect(`${result.out}${written}`).not.toContain("do-not-print");
  });

  it("says so when the file has no BlueBubbles block", async () => {
    const result = await run(
      "config",
      "import",
      "--from",
      "bluebubbles",
      join(referenceDirectory, "01-local-mac.json5"),
    );
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/no channels\.bluebubbles block/);
  });
});

describe("config import output file", () => {
  const source = join(referenceDirectory, "03-group-system-prompts.json5");

  it("never overwrites a different existing file without --force, and --force replaces it", async () => {
    const out = join(directory, "imessage-channel.json5");
    writeFileSync(out, "{ channels: { imessage: { dmPolicy: 'disabled' } } }\n");
    const refused = await run("config", "import", "--from", "openclaw", source);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(`error: ${out} already exists; pass --force to replace it, or --out another path\n`);
    expect(readFileSync(out, "utf8")).toContain("disabled");

    const forced = await run("config", "import", "--from", "openclaw", source, "--force");
    expect(forced.code).toBe(0);
    expect(forced.out).toContain(`Replaced ${out}`);
    expect(JSON5.parse(readFileSync(out, "utf8")).channels.imessage.groups["9907"]).toEqual({ systemPrompt: "" });
  });

  it("is idempotent: importing the same file again leaves the output byte-for-byte unchanged", async () => {
    expect((await run("config", "import", "--from", "openclaw", source)).code).toBe(0);
    const first = readFileSync(join(directory, "imessage-channel.json5"), "utf8");
    const again = await run("config", "import", "--from", "openclaw", source);
    expect(again.code).toBe(0);
    expect(again.out).toContain("already holds this import; unchanged");
    expect(readFileSync(join(directory, "imessage-channel.json5"), "utf8")).toBe(first);
  });

  it("reports every unknown or unsupported key on its own line with why, and still writes a valid config", async () => {
    const file = join(directory, "openclaw.json5");
    writeFileSync(
      file,
      `{
        gateway: { port: 18789 },
        channels: {
          imessage: { cliPath: "/usr/local/bin/imsg", historyLimit: 50, dmHistoryLimit: 5, dms: { "+15555550123": { historyLimit: 10 } }, madeUp: 1, ssh: { port: 22, bogus: true },
                      dmPolicy: "open", actions: { reactions: true, teleport: true } },
          telegram: { botToken: "123:abc" },
        },
        agents: { list: [
          { id: "main", model: "anthropic/claude" },
          { id: "hook", runtime: { type: "webhook", url: "https://example.com/hook", headers: { Authorization: "Bearer \${HOOK_TOKEN}" } } },
        ] },
        bindings: [{ agentId: "ghost", match: { channel: "imessage" } }],
        session: { dmScope: "per-channel-peer", idleMinutes: 60 },
        commands: { config: true, bash: true },
      }`,
    );
    const out = join(directory, "out.json5");
    const result = await run("config", "import", "--from", "openclaw", file, "--out", out);
    expect(result.code).toBe(0);
    const lines = result.out.split("\n").filter((line) => line.includes(": not carried; "));
    expect(lines.map((line) => line.trim().split(":")[0])).toEqual([
      "gateway",
      "channels.imessage.madeUp",
      "channels.imessage.actions.teleport",
      "channels.telegram",
      "agents.list[0].model",
      "agents.list[0].runtime",
      "session.idleMinutes",
      "commands.bash",
      "channels.imessage.ssh.bogus",
      "channels.imessage.dmPolicy",
      "bindings[0]",
    ]);
    expect(result.out).toContain('channels.imessage.dmPolicy: not carried; "open" requires "*" in allowFrom');
    expect(result.out).toContain('"ghost" is not an agent in agents.list');
    expect(result.out).not.toContain("123:abc");
    expect(result.out).toMatch(
      /^ {2}agents\.list\[1\]\.runtime\.headers\.Authorization: carried; kept literally: OpenClaw substitutes \$\{VAR\}/m,
    );
    const written = JSON5.parse(readFileSync(out, "utf8"));
    expect(written.bindings).toBeUndefined();
    // History settings are ours too now: carried as written.
    expect(written.channels.imessage).toMatchObject({
      historyLimit: 50,
      dmHistoryLimit: 5,
      dms: { "+15555550123": { historyLimit: 10 } },
    });
    expect(written.agents.list[1].runtime.headers.Authorization).toBe(`Bearer $${"{"}HOOK_TOKEN}`);
    expect((await run("config", "validate", "--config", out)).code).toBe(0);
  });

  it("rejects an unknown --from with exit 2", async () => {
    const result = await run("config", "import", "--from", "hermes", source);
    expect(result.code).toBe(2);
    expect(result.err).toContain("is not one of openclaw | bluebubbles");
  });
});
