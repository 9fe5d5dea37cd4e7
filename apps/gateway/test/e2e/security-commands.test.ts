// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { existsSync, readFileSync } from "node:fs";
import JSON5 from "json5";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness, type SentRow } from "../test-support/gateway-harness.ts";

const owner = "+15555550123";
const stranger = "+15555550199";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** Sends `text` from `from` and waits for the one answer it gets. */
async function answerTo(harness: GatewayHarness, from: string, text: string): Promise<string> {
  const before = harness.sentRows().length;
  harness.inject({ from, text });
  const rows: SentRow[] = await harness.waitForSent((sent) => sent.length > before, `the answer to ${text}`);
  expect(rows).toHaveLength(before + 1);
  return rows.at(-1)!.text;
}

describe("gateway end to end: who may change the config from chat", () => {
  it("refuses a paired contact who is not an owner: nothing written, the reply names commands.ownerAllowFrom", async () => {
    harness = await GatewayHarness.create();
    // agents.list[0] is an exec agent: a write to its command is what would run after the next restart.
    await harness.writeConfig({
      config: {
        agents: {
          list: [
            { id: "tool", runtime: { type: "exec", command: ["/bin/true"] } },
            { id: "main", default: true, runtime: { type: "webhook", url: `${harness.agent.url}/turn` } },
          ],
        },
        commands: { config: true },
      },
    });
    const configBefore = readFileSync(harness.configPath, "utf8");
    await harness.start();

    const challenge = await answerTo(harness, stranger, "hello?");
    const code = /pairing code is ([A-Z0-9]{8})/.exec(challenge)?.[1];
    expect(code).toBeDefined();
    expect((await harness.cli(["pairing", "approve", "imessage", code!])).code).toBe(0);
    await harness.waitForSent((rows) => rows.some((row) => row.text.startsWith("You're approved")), "the notice");

    for (const command of [
      '/config set agents.list.0.runtime.command ["/bin/sh","-c","id > PWNED"]',
      "/config set channels.imessage.dmPolicy open",
      "/config unset commands.config",
    ]) {
      const answer = await answerTo(harness, stranger, command);
      expect(answer).toBe(
        "Only owners may change the config from chat: the operator adds their handle to commands.ownerAllowFrom.",
      );
    }
    expect(readFileSync(harness.configPath, "utf8")).toBe(configBefore);
    expect(existsSync(`${harness.configPath}.bak`)).toBe(false);
  });

  it("lets an owner (in any spelling of their number) write safe keys only, and answers exactly as written", async () => {
    harness = await GatewayHarness.create();
    await harness.writeConfig({
      channel: { dmPolicy: "allowlist", allowFrom: [owner] },
      config: { commands: { config: true, ownerAllowFrom: ["+1 (555) 555-0123"] } },
    });
    const configBefore = readFileSync(harness.configPath, "utf8");
    await harness.start();

    for (const key of ["channels.imessage.cliPath", "channels.imessage.accounts.work.dbPath", "agents.list[0].id"]) {
      const answer = await answerTo(harness, owner, `/config set ${key} /tmp/x`);
      expect(answer).toMatch(
        new RegExp(`^Not changed: ${key.replace(/[.[\]]/g, "\\$&")} cannot be changed from chat;`),
      );
      expect(answer).toContain("imessage-channel config set");
    }
    expect(readFileSync(harness.configPath, "utf8")).toBe(configBefore);

    // Validation problems reach the owner verbatim: no markdown eats the `*` or the `__` of a key.
    expect(await answerTo(harness, owner, "/config set channels.imessage.dmPolicy open")).toBe(
      'Not changed: channels.imessage.dmPolicy: "open" requires "*" in allowFrom; add "*" to channels.imessage.allowFrom or use "pairing"',
    );
    const groupAnswer = await answerTo(
      harness,
      owner,
      "/config set channels.imessage.groups.__init__.requireMention true",
    );
    expect(groupAnswer).toMatch(/^Not changed: channels\.imessage\.groups\.__init__: /);
    expect(groupAnswer).toContain('"*"');
    expect(readFileSync(harness.configPath, "utf8")).toBe(configBefore);

    expect(await answerTo(harness, owner, "/config set channels.imessage.groupPolicy open")).toBe(
      "Set channels.imessage.groupPolicy. It takes effect when the gateway restarts.",
    );
    const written = JSON5.parse(readFileSync(harness.configPath, "utf8"));
    expect(written).toEqual({
      ...JSON5.parse(configBefore),
      channels: { imessage: { ...JSON5.parse(configBefore).channels.imessage, groupPolicy: "open" } },
    });
  });
});
