// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { sendJson, waitFor } from "@imessage-channel/agents/test-support";
import { createChatDb, type InjectOptions, inject } from "@imessage-channel/imsg-sim";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentHandler, GatewayHarness, sentByChat } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const stranger = "+15555550199";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** A chat as Messages files it, with its own guid, service and members (rows go in with `inject({ chatId })`). */
function createChat(
  dbPath: string,
  chat: { guid: string; identifier: string; service: string; members: string[] },
): number {
  const database = new DatabaseSync(dbPath);
  try {
    const chatId = Number(
      database
        .prepare(
          "INSERT INTO chat (guid, style, state, account_id, chat_identifier, service_name, account_login) VALUES (?, 45, 3, 'E:me@icloud.com', ?, ?, 'E:me@icloud.com')",
        )
        .run(chat.guid, chat.identifier, chat.service).lastInsertRowid,
    );
    for (const member of chat.members) {
      const handleId = Number(
        database
          .prepare("INSERT INTO handle (id, country, service, uncanonicalized_id) VALUES (?, 'us', ?, ?)")
          .run(member, chat.service, member).lastInsertRowid,
      );
      database.prepare("INSERT INTO chat_handle_join (chat_id, handle_id) VALUES (?, ?)").run(chatId, handleId);
    }
    return chatId;
  } finally {
    database.close();
  }
}

describe("gateway end to end: group and sender policy fails closed", () => {
  it("admits no group sender through a groups entry alone, under every DM × group policy, with wildcard and specific entries", async () => {
    harness = await GatewayHarness.create();
    const dmPolicies = ["pairing", "allowlist", "open", "disabled"] as const;
    const groupPolicies = ["allowlist", "open", "disabled"] as const;
    const shapes = ["wildcard", "specific"] as const;
    const worlds = dmPolicies.flatMap((dmPolicy) =>
      groupPolicies.flatMap((groupPolicy) => shapes.map((shape) => ({ dmPolicy, groupPolicy, shape }))),
    );
    const accounts = worlds.map((world, index) => {
      const id = `${world.dmPolicy}-${world.groupPolicy}-${world.shape}`;
      const dbPath = index === 0 ? harness!.dbPath : join(harness!.dir, `${id}.db`);
      if (index > 0) createChatDb(dbPath);
      const listed = `chat${7100 + index}00000000000000`;
      const unlisted = `chat${7200 + index}00000000000000`;
      // The chat ids imsg will give the two groups: created before the gateway starts, so keys can name them.
      const seed = (group: string) =>
        inject(dbPath, { home: harness!.home, from: friend, text: "(seed)", group, participants: [stranger] }).chatId;
      const listedChatId = seed(listed);
      seed(unlisted);
      return { ...world, id, dbPath, listed, unlisted, listedChatId };
    });
    await harness.writeConfig({
      channel: {
        accounts: Object.fromEntries(
          accounts.map((world) => [
            world.id,
            {
              dbPath: world.dbPath,
              dmPolicy: world.dmPolicy,
              groupPolicy: world.groupPolicy,
              // No sender list: the shape of the reference's own example, and of the bypass.
              ...(world.dmPolicy === "open" ? { allowFrom: ["*"], groupAllowFrom: [] } : {}),
              groups:
                world.shape === "wildcard"
                  ? { "*": { systemPrompt: "Use British spelling.", requireMention: false } }
                  : { [String(world.listedChatId)]: { requireMention: false } },
            },
          ]),
        ),
      },
    });
    await harness.start();
    await waitFor(
      "every account's imsg stream",
      () => harness!.logs.filter((line) => line.includes("imsg stream connected")).length >= accounts.length,
      60_000,
    );

    const guids: string[] = [];
    for (const world of accounts) {
      const say = (options: InjectOptions) =>
        guids.push(inject(world.dbPath, { home: harness!.home, ...options }).guid);
      say({ from: stranger, text: `stranger listed ${world.id}`, group: world.listed });
      say({ from: stranger, text: `stranger unlisted ${world.id}`, group: world.unlisted });
      say({ from: stranger, text: `stranger dm ${world.id}` });
    }
    await harness.waitSettled(guids, "every row settled", 90_000);

    const turns = harness.turns() as Array<{ accountId: string; text: string }>;
    const expected = accounts.flatMap((world) => [
      // Only groupPolicy "open" admits everyone, and only in the chats `groups` allows.
      ...(world.groupPolicy === "open" ? [`${world.id}: stranger listed ${world.id}`] : []),
      ...(world.groupPolicy === "open" && world.shape === "wildcard"
        ? [`${world.id}: stranger unlisted ${world.id}`]
        : []),
      ...(world.dmPolicy === "open" ? [`${world.id}: stranger dm ${world.id}`] : []),
    ]);
    expect(turns.map((turn) => `${turn.accountId}: ${turn.text}`).sort()).toEqual(expected.sort());
    for (const world of accounts) {
      const toGroups = sentByChat(world.dbPath).filter(
        (row) => row.chat === world.listed || row.chat === world.unlisted,
      );
      expect(toGroups.length, world.id).toBe(world.groupPolicy === "open" ? (world.shape === "wildcard" ? 2 : 1) : 0);
    }
    // Said once at start-up, per account whose config drops every group message, with both keys and the fix.
    for (const world of accounts) {
      const warnings = harness.logs.filter(
        (line) => line.includes(`account \\"${world.id}\\"`) && line.includes("drops every group message"),
      );
      expect(warnings.length, world.id).toBe(world.groupPolicy === "allowlist" ? 1 : 0);
      if (warnings[0]) expect(warnings[0]).toMatch(/groupAllowFrom.*allowFrom|groupAllowFrom is empty/);
    }
  }, 240_000);

  it("keeps a spoofed SMS in an any;-; chat, a multi-person thread with is_group=false, and look-alike texts each where they belong", async () => {
    // The agent says "Sounds good!" to "plan?": the friend's own "Sounds good!" afterwards must still be heard.
    const agent: AgentHandler = (turn, response) =>
      sendJson(response, 200, { text: turn.text === "plan?" ? "Sounds good!" : `echo: ${String(turn.text)}` });
    harness = await GatewayHarness.create({ agent });
    const smsChat = createChat(harness.dbPath, {
      guid: `any;-;${friend}`,
      identifier: friend,
      service: "SMS",
      members: [friend],
    });
    const thread = createChat(harness.dbPath, {
      guid: "iMessage;-;+15555550188",
      identifier: "+15555550188",
      service: "iMessage",
      members: [friend, "+15555550177"],
    });
    await harness.writeConfig({
      channel: { dmPolicy: "allowlist", allowFrom: [friend], groupPolicy: "disabled", allowSmsSenders: false },
    });
    await harness.start();
    await harness.waitForLog(/imsg stream connected/, 20_000);

    const spoofed = harness.inject({ from: friend, text: "spoofed sms", chatId: smsChat }).guid;
    const threaded = harness.inject({ from: friend, text: "thread message", chatId: thread }).guid;
    harness.inject({ from: friend, text: "plan?" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "Sounds good!"), "the agent's answer");
    const first = harness.inject({ from: friend, text: "Sounds good!" }).guid;
    const second = harness.inject({ from: friend, text: "Sounds  good!" }).guid;
    await harness.waitSettled([spoofed, threaded, first, second], "every row settled", 20_000);

    const texts = harness.turns().map((turn) => turn.text);
    expect(texts).toEqual(["plan?", "Sounds good!", "Sounds  good!"]);
    // Our own send came back (is_from_me): that, and only that, is an echo, logged at info.
    const echo = await harness.waitForLog(/our own send came back/, 10_000);
    expect(echo).toContain('"level":30');
    const drops = harness.logs.filter((line) => line.includes('"reason":"sms-untrusted"'));
    expect(drops.some((line) => line.includes("service is SMS"))).toBe(true);
    expect(harness.logs.some((line) => line.includes('"reason":"group-disabled"'))).toBe(true);
    // Nothing went to the thread or the SMS chat; the friend heard every answer in the iMessage DM.
    const sent = harness.sentRows();
    expect(sent.filter((row) => row.chatId === thread || row.chatId === smsChat)).toEqual([]);
    expect(sent.map((row) => row.text)).toEqual(["Sounds good!", "echo: Sounds good!", "echo: Sounds  good!"]);
  }, 60_000);
});
