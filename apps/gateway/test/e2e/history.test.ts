// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const other = "+15555550124";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

describe("imessage-channel history and chats against a simulated Mac", () => {
  it("history shows a chat's latest messages oldest first, by handle in any spelling, chat_id, or the newest chat", async () => {
    harness = await GatewayHarness.create();
    const { chatId } = harness.inject({ from: friend, text: "first" });
    harness.inject({ from: friend, text: "second\nline" });
    const sent = await harness.cli(["send", `chat_id:${chatId}`, "from me", "--config", harness.configPath]);
    expect(sent.code).toBe(0);
    harness.inject({ from: friend, text: "third" });

    const byHandle = await harness.cli([
      "history",
      "+1 (555) 555-0123",
      "--limit",
      "3",
      "--config",
      harness.configPath,
    ]);
    expect(byHandle.code).toBe(0);
    const lines = byHandle.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`chat_id:${chatId} (${friend}): the last 3 messages, oldest first`);
    expect(lines[1]).toMatch(/^TIME\s+FROM\s+TEXT$/);
    expect(lines.slice(2).map((line) => line.split(/\s{2,}/).slice(1))).toEqual([
      [friend, "second line"],
      ["me", "from me"],
      [friend, "third"],
    ]);

    const json = await harness.cli(["history", `chat_id:${chatId}`, "--json", "--config", harness.configPath]);
    expect(JSON.parse(json.stdout).map((message: { text: string; isFromMe: boolean }) => message.text)).toEqual([
      "first",
      "second\nline",
      "from me",
      "third",
    ]);

    const newest = harness.inject({ from: other, text: "newest chat" });
    const latest = await harness.cli(["history", "--config", harness.configPath]);
    expect(latest.stdout).toContain(`chat_id:${newest.chatId} (${other}): the last message\n`);
    expect(latest.stdout).toMatch(/\+15555550124\s+newest chat\n$/);
  });

  it("history refuses what is no target (exit 2) and a handle with no chat (exit 1), one line each", async () => {
    harness = await GatewayHarness.create();
    harness.inject({ from: friend, text: "hello" });
    const bad = await harness.cli(["history", "not a target", "--config", harness.configPath]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: target "not a target" is neither a handle/);
    const none = await harness.cli(["history", "+15555550100", "--config", harness.configPath]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      "error: no chat matches +15555550100 among the Mac's 200 most recent chats; run `imessage-channel chats` for targets\n",
    );
    const limit = await harness.cli(["history", friend, "--limit", "0", "--config", harness.configPath]);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toBe('error: --limit: "0" is not a positive whole number\n');
  });

  it("chats shows unread counts where imsg has them (0.13+), and no such column before", async () => {
    harness = await GatewayHarness.create({ imsgVersion: "0.15.10" });
    harness.inject({ from: friend, text: "one" });
    harness.inject({ from: friend, text: "two" });
    const current = await harness.cli(["chats", "--config", harness.configPath]);
    const [header, row] = current.stdout.trimEnd().split("\n");
    expect(header).toMatch(/\sUNREAD$/);
    expect(row).toMatch(/\s2$/);
    const json = await harness.cli(["chats", "--json", "--config", harness.configPath]);
    expect(JSON.parse(json.stdout)).toMatchObject([{ identifier: friend, unreadCount: 2 }]);
    await harness.dispose();

    harness = await GatewayHarness.create({ imsgVersion: "0.9.0" });
    harness.inject({ from: friend, text: "one" });
    const legacy = await harness.cli(["chats", "--config", harness.configPath]);
    expect(legacy.code).toBe(0);
    expect(legacy.stdout).not.toContain("UNREAD");
    expect(legacy.stdout).toContain(friend);
    const [chat] = JSON.parse((await harness.cli(["chats", "--json", "--config", harness.configPath])).stdout);
    expect(chat).not.toHaveProperty("unreadCount");
  });
});
