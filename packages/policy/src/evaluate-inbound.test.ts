import { describe, expect, it } from "vitest";
import { evaluateInbound, type InboundContext } from "./evaluate-inbound.ts";
import { account, directMessage, groupMessage } from "./test-support/messages.ts";

const stranger = "+15555550999";
const withPatterns: InboundContext = { mentionPatterns: ["@?openclaw\\b", "\\bbot\\b"] };

describe("own messages and non-turns", () => {
  it("never dispatches is_from_me, even under the most open settings", () => {
    const open = account({ dmPolicy: "open", allowFrom: ["*"], groupPolicy: "open", groups: { "*": {} } });
    expect(evaluateInbound(directMessage({ isFromMe: true }), open)).toMatchObject({
      kind: "drop",
      reason: "from-me",
    });
    expect(evaluateInbound(groupMessage({ isFromMe: true }), open)).toMatchObject({
      kind: "drop",
      reason: "from-me",
    });
  });

  it("drops tapback events", () => {
    const decision = evaluateInbound(directMessage({ isReaction: true }), account({ allowFrom: ["*"] }));
    expect(decision).toMatchObject({ kind: "drop", reason: "reaction" });
  });

  it("with acceptReactions, gates a tapback like a message: friends pass without mention gating, strangers get no challenge", () => {
    const context = { acceptReactions: true, ...withPatterns };
    const friendDm = account({ allowFrom: ["+15555550123"] });
    expect(evaluateInbound(directMessage({ isReaction: true, text: "/reset" }), friendDm, context)).toMatchObject({
      kind: "dispatch",
      mentionGating: "reaction",
      isCommand: false,
    });
    expect(evaluateInbound(directMessage({ isReaction: true, sender: stranger }), friendDm, context)).toMatchObject({
      kind: "drop",
      reason: "dm-not-allowed",
    });
    const group = account({ groupAllowFrom: ["+15555550123"], groups: { "*": { requireMention: true } } });
    expect(evaluateInbound(groupMessage({ isReaction: true, text: "Liked “hi”" }), group, context)).toMatchObject({
      kind: "dispatch",
      mentionGating: "reaction",
    });
    expect(evaluateInbound(groupMessage({ isReaction: true, sender: stranger }), group, context)).toMatchObject({
      kind: "drop",
      reason: "group-sender-not-allowed",
    });
  });

  it("drops rows without a sender handle", () => {
    const decision = evaluateInbound(directMessage({ sender: "" }), account({ allowFrom: ["*"], dmPolicy: "open" }));
    expect(decision).toEqual({ kind: "drop", reason: "no-sender", detail: "row in chat 7 has no sender handle" });
  });
});

describe("dmPolicy", () => {
  it("pairing: a stranger gets a pairing challenge keyed by the normalized handle", () => {
    const decision = evaluateInbound(directMessage({ sender: "555-555-0999" }), account());
    expect(decision).toEqual({ kind: "pairing-challenge", sender: stranger, chatId: 7 });
  });

  it("pairing: an approved sender is dispatched", () => {
    const decision = evaluateInbound(directMessage(), account(), { approvedSenders: ["imessage:+1 555 555 0123"] });
    expect(decision).toMatchObject({ kind: "dispatch", sessionKey: "agent:main:main", isGroup: false });
  });

  it("pairing: a sender in allowFrom is dispatched without pairing", () => {
    expect(evaluateInbound(directMessage(), account({ allowFrom: ["+15555550123"] })).kind).toBe("dispatch");
  });

  it("allowlist: a stranger is dropped, not challenged", () => {
    const decision = evaluateInbound(
      directMessage({ sender: stranger }),
      account({ dmPolicy: "allowlist", allowFrom: ["+15555550123"] }),
    );
    expect(decision).toEqual({
      kind: "drop",
      reason: "dm-not-allowed",
      detail: 'DM from +15555550999 is not in allowFrom (dmPolicy "allowlist"); add the handle',
    });
  });

  it("allowlist: approved pairings count as allowed", () => {
    const decision = evaluateInbound(directMessage(), account({ dmPolicy: "allowlist" }), {
      approvedSenders: ["+15555550123"],
    });
    expect(decision.kind).toBe("dispatch");
  });

  it("allowlist: a chat_id entry admits that DM chat", () => {
    expect(evaluateInbound(directMessage(), account({ dmPolicy: "allowlist", allowFrom: ["chat_id:7"] })).kind).toBe(
      "dispatch",
    );
  });

  it('open: everyone is dispatched ("*" in allowFrom)', () => {
    const decision = evaluateInbound(
      directMessage({ sender: stranger }),
      account({ dmPolicy: "open", allowFrom: ["*"] }),
    );
    expect(decision).toMatchObject({ kind: "dispatch", sender: stranger, peer: { kind: "dm", id: stranger } });
  });

  it("disabled: nobody is dispatched, not even allowlisted or approved senders", () => {
    const decision = evaluateInbound(
      directMessage(),
      account({ dmPolicy: "disabled", allowFrom: ["+15555550123", "*"] }),
      {
        approvedSenders: ["+15555550123"],
      },
    );
    expect(decision).toMatchObject({ kind: "drop", reason: "dm-disabled" });
  });

  it("DMs get no system prompt, even with a wildcard group prompt", () => {
    const decision = evaluateInbound(
      directMessage(),
      account({ allowFrom: ["+15555550123"], groups: { "*": { systemPrompt: "Use British spelling." } } }),
    );
    expect(decision).toMatchObject({ kind: "dispatch", systemPrompt: undefined });
  });
});

describe("SMS sender trust", () => {
  const sms = directMessage({ chatGuid: "SMS;-;+15555550123" });
  it("drops SMS rows by default, even from allowlisted numbers", () => {
    expect(evaluateInbound(sms, account({ allowFrom: ["+15555550123"] }))).toMatchObject({
      kind: "drop",
      reason: "sms-untrusted",
    });
    expect(
      evaluateInbound(directMessage({ chatGuid: "RCS;-;+15555550123" }), account({ allowFrom: ["+15555550123"] })),
    ).toMatchObject({
      reason: "sms-untrusted",
    });
  });

  it("accepts SMS rows when allowSmsSenders is on", () => {
    expect(evaluateInbound(sms, account({ allowFrom: ["+15555550123"], allowSmsSenders: true })).kind).toBe("dispatch");
  });

  it("decides by the chat's service: an SMS thread under a macOS 26 any;-; guid is still SMS", () => {
    const friend = account({ allowFrom: ["+15555550123"] });
    const spoofed = directMessage({ chatGuid: "any;-;+15555550123", service: "SMS" });
    expect(evaluateInbound(spoofed, friend)).toMatchObject({ kind: "drop", reason: "sms-untrusted" });
    expect(
      evaluateInbound(directMessage({ chatGuid: "iMessage;-;+15555550123", service: "RCS" }), friend),
    ).toMatchObject({
      reason: "sms-untrusted",
    });
    expect(evaluateInbound(directMessage({ chatGuid: "any;-;+15555550123", service: "iMessage" }), friend).kind).toBe(
      "dispatch",
    );
  });

  it("fails closed when the service is unknown and the guid does not say iMessage", () => {
    const friend = account({ allowFrom: ["+15555550123"] });
    for (const chatGuid of ["any;-;+15555550123", ""]) {
      const decision = evaluateInbound(directMessage({ chatGuid }), friend);
      expect(decision).toMatchObject({ kind: "drop", reason: "sms-untrusted" });
      expect((decision as { detail: string }).detail).toContain("service is unknown");
    }
    expect(evaluateInbound(directMessage({ chatGuid: "iMessage;-;+15555550123" }), friend).kind).toBe("dispatch");
  });
});

describe("groupPolicy", () => {
  it("disabled: drops every group message", () => {
    const decision = evaluateInbound(
      groupMessage(),
      account({ groupPolicy: "disabled", groupAllowFrom: ["*"], groups: { "*": {} } }),
    );
    expect(decision).toMatchObject({ kind: "drop", reason: "group-disabled" });
  });

  it("allowlist: a sender in groupAllowFrom is dispatched into the group session", () => {
    const decision = evaluateInbound(groupMessage(), account({ groupAllowFrom: ["+15555550123"] }));
    expect(decision).toMatchObject({
      kind: "dispatch",
      isGroup: true,
      sessionKey: "agent:main:imessage:group:8421",
      peer: { kind: "group", id: "chat_id:8421" },
    });
  });

  it("allowlist: a sender outside groupAllowFrom is dropped", () => {
    const decision = evaluateInbound(groupMessage({ sender: stranger }), account({ groupAllowFrom: ["+15555550123"] }));
    expect(decision).toEqual({
      kind: "drop",
      reason: "group-sender-not-allowed",
      detail: "+15555550999 in group chat 8421 is not in groupAllowFrom; add the handle or chat_id:8421",
    });
  });

  it("allowlist: groupAllowFrom unset falls back to allowFrom", () => {
    expect(evaluateInbound(groupMessage(), account({ allowFrom: ["+15555550123"] })).kind).toBe("dispatch");
    const decision = evaluateInbound(groupMessage({ sender: stranger }), account({ allowFrom: ["+15555550123"] }));
    expect(decision).toMatchObject({ reason: "group-sender-not-allowed" });
    expect((decision as { detail: string }).detail).toContain("groupAllowFrom (unset, so allowFrom)");
  });

  it("allowlist: an explicitly empty groupAllowFrom does not fall back", () => {
    const decision = evaluateInbound(groupMessage(), account({ allowFrom: ["+15555550123"], groupAllowFrom: [] }));
    expect(decision).toMatchObject({ reason: "group-sender-not-allowed" });
  });

  it("allowlist: with nothing configured, group messages are dropped", () => {
    expect(evaluateInbound(groupMessage(), account())).toMatchObject({ reason: "group-sender-not-allowed" });
  });

  it.each([
    ["a wildcard entry", { "*": { systemPrompt: "Use British spelling." } }],
    ["the chat's own entry", { "8421": {} }],
    ["the chat's own entry by guid", { "chat_guid:iMessage;+;chat842100000000000000": { requireMention: false } }],
  ])("allowlist: with no sender list, %s under groups admits nobody (fail closed)", (_, groups) => {
    for (const sender of [stranger, "+15555550123"]) {
      const decision = evaluateInbound(groupMessage({ sender, text: "bot?" }), account({ groups }), withPatterns);
      expect(decision).toMatchObject({ kind: "drop", reason: "group-sender-not-allowed" });
      expect((decision as { detail: string }).detail).toContain("drops every group message");
    }
  });

  it("allowlist: a groupAllowFrom set empty beats allowFrom: nobody in groups", () => {
    const decision = evaluateInbound(
      groupMessage(),
      account({ allowFrom: ["+15555550123"], groupAllowFrom: [], groups: { "*": {} } }),
    );
    expect(decision).toMatchObject({ kind: "drop", reason: "group-sender-not-allowed" });
  });

  it("allowlist: a chat named in the sender list admits its members; the registry still chooses chats", () => {
    const listed = account({
      groupAllowFrom: ["chat_id:8421", "chat_id:5555"],
      groups: { "8421": { requireMention: false } },
    });
    expect(evaluateInbound(groupMessage({ sender: stranger }), listed).kind).toBe("dispatch");
    expect(evaluateInbound(groupMessage({ chatId: 5555, sender: stranger }), listed)).toMatchObject({
      reason: "group-not-allowed",
    });
  });

  it("allowlist: a sender list still restricts the senders of registry-listed chats", () => {
    const both = account({ groupAllowFrom: ["+15555550123"], groups: { "*": { requireMention: false } } });
    expect(evaluateInbound(groupMessage(), both).kind).toBe("dispatch");
    expect(evaluateInbound(groupMessage({ sender: stranger }), both)).toMatchObject({
      reason: "group-sender-not-allowed",
    });
  });

  it("allowlist: a chat-admitted stranger may talk but not command", () => {
    const decision = evaluateInbound(
      groupMessage({ sender: stranger, text: "/status" }),
      account({ groupAllowFrom: ["chat_id:8421"], groups: { "*": {} } }),
      withPatterns,
    );
    expect(decision).toMatchObject({ kind: "drop", reason: "not-mentioned" });
  });

  it("open: everyone in the chats under groups is admitted; other chats stay out", () => {
    const open = account({ groupPolicy: "open", groups: { "8421": { requireMention: false } } });
    expect(evaluateInbound(groupMessage({ sender: stranger }), open).kind).toBe("dispatch");
    expect(evaluateInbound(groupMessage({ chatId: 5555, sender: stranger }), open)).toMatchObject({
      reason: "group-not-allowed",
    });
  });

  it("allowlist: pairing approvals do not admit a sender in groups", () => {
    const decision = evaluateInbound(groupMessage(), account(), { approvedSenders: ["+15555550123"] });
    expect(decision).toMatchObject({ reason: "group-sender-not-allowed" });
  });

  it.each([
    "chat_id:8421",
    "chat_guid:iMessage;+;chat842100000000000000",
    "chat_identifier:chat842100000000000000",
    "*",
  ])("allowlist: the entry %s admits every sender of the chat", (entry) => {
    expect(evaluateInbound(groupMessage({ sender: stranger }), account({ groupAllowFrom: [entry] })).kind).toBe(
      "dispatch",
    );
  });

  it("open: any sender in any group is dispatched", () => {
    expect(evaluateInbound(groupMessage({ sender: stranger }), account({ groupPolicy: "open" })).kind).toBe("dispatch");
  });
});

describe("groups registry", () => {
  it("with specific ids and no *, drops chats that are not listed", () => {
    const decision = evaluateInbound(
      groupMessage({ chatId: 5555 }),
      account({ groupAllowFrom: ["*"], groups: { "8421": {} } }),
    );
    expect(decision).toEqual({
      kind: "drop",
      reason: "group-not-allowed",
      detail: 'group chat 5555 is not in groups; add "5555" (or "*") under groups to allow it',
    });
  });

  it("restricts chats under groupPolicy open too", () => {
    const decision = evaluateInbound(
      groupMessage({ chatId: 5555 }),
      account({ groupPolicy: "open", groups: { "8421": {} } }),
    );
    expect(decision).toMatchObject({ reason: "group-not-allowed" });
  });

  it("admits listed chats by chat_id, chat_id:, chatGuid: or chatIdentifier: keys", () => {
    for (const key of [
      "8421",
      "chat_id:8421",
      "chat_guid:iMessage;+;chat842100000000000000",
      "chat_identifier:chat842100000000000000",
    ]) {
      const decision = evaluateInbound(
        groupMessage(),
        account({ groupAllowFrom: ["*"], groups: { [key]: { requireMention: false } } }),
      );
      expect(decision.kind).toBe("dispatch");
    }
  });

  it("with a * key admits every chat", () => {
    const decision = evaluateInbound(
      groupMessage({ chatId: 5555 }),
      account({ groupAllowFrom: ["*"], groups: { "*": {}, "8421": {} } }),
    );
    expect(decision.kind).toBe("dispatch");
  });

  it("treats a chat listed under groups as a group even when imsg says is_group=false", () => {
    const groupish = directMessage({ chatId: 8421, chatGuid: "iMessage;-;+15555550123" });
    const decision = evaluateInbound(
      groupish,
      account({ dmPolicy: "disabled", groupAllowFrom: ["*"], groups: { "8421": {} } }),
    );
    expect(decision).toMatchObject({ kind: "dispatch", isGroup: true, sessionKey: "agent:main:imessage:group:8421" });
  });

  it.each([
    ["more than one other participant", { participants: ["+15555550123", "+15555550177"] }],
    ["a group-form guid", { chatGuid: "iMessage;+;chat99", chatIdentifier: "chat99" }],
  ])("treats an unlisted is_group=false chat with %s as group traffic", (_, shape) => {
    const thread = directMessage({ chatId: 99, ...shape });
    const friend = { allowFrom: ["+15555550123"] };
    // groupPolicy "disabled" holds; the private main DM session is never used.
    expect(evaluateInbound(thread, account({ ...friend, groupPolicy: "disabled" }))).toMatchObject({
      reason: "group-disabled",
    });
    expect(evaluateInbound(thread, account({ ...friend, groups: { "*": { requireMention: false } } }))).toMatchObject({
      kind: "dispatch",
      isGroup: true,
      sessionKey: "agent:main:imessage:group:99",
      peer: { kind: "group", id: "chat_id:99" },
    });
  });

  it("leaves an unlisted is_group=false chat with one other participant a DM", () => {
    expect(
      evaluateInbound(directMessage({ participants: ["+15555550123"] }), account({ allowFrom: ["+15555550123"] })),
    ).toMatchObject({ kind: "dispatch", isGroup: false });
  });

  it.each([
    ["its guid", { chatGuid: "iMessage;+;chat77" }, "chat_guid:iMessage;+;chat77", "iMessage;+;chat77"],
    [
      "its identifier",
      { chatGuid: "", chatIdentifier: "chat77", service: "iMessage" },
      "chat_identifier:chat77",
      "chat77",
    ],
  ])("anchors a group row without chat_id to %s", (_, chat, peerId, sessionId) => {
    const decision = evaluateInbound(
      groupMessage({ chatId: 0, ...chat }),
      account({ groupAllowFrom: ["*"], groups: { "*": { requireMention: false } } }),
    );
    expect(decision).toMatchObject({
      kind: "dispatch",
      peer: { kind: "group", id: peerId },
      sessionKey: `agent:main:imessage:group:${sessionId}`,
    });
  });

  it("drops a group row that names no chat at all, saying why", () => {
    const decision = evaluateInbound(
      groupMessage({ chatId: 0, chatGuid: "", chatIdentifier: "" }),
      account({ groupAllowFrom: ["*"], groups: { "*": { requireMention: false } }, allowSmsSenders: true }),
    );
    expect(decision).toMatchObject({ kind: "drop", reason: "group-no-chat" });
    expect((decision as { detail: string }).detail).toContain("no chat_id, chat_guid or chat_identifier");
  });

  it("leaves an unlisted is_group=false chat a DM", () => {
    const decision = evaluateInbound(directMessage(), account({ allowFrom: ["+15555550123"], groups: { "8421": {} } }));
    expect(decision).toMatchObject({ kind: "dispatch", isGroup: false });
  });
});

describe("per-group system prompts (the reference's example)", () => {
  const reference = account({
    groupPolicy: "allowlist",
    groupAllowFrom: ["+15555550123"],
    groups: {
      "*": { systemPrompt: "Use British spelling." },
      "8421": {
        requireMention: true,
        systemPrompt: "This is the on-call rotation chat. Keep replies under 3 sentences.",
      },
      "9907": { systemPrompt: "" },
    },
  });

  it("group 8421 gets its own prompt and requires a mention", () => {
    expect(evaluateInbound(groupMessage({ text: "hi all" }), reference, withPatterns)).toMatchObject({
      kind: "drop",
      reason: "not-mentioned",
    });
    expect(evaluateInbound(groupMessage({ text: "bot, who is on call?" }), reference, withPatterns)).toMatchObject({
      kind: "dispatch",
      wasMentioned: true,
      mentionGating: "mentioned",
      systemPrompt: "This is the on-call rotation chat. Keep replies under 3 sentences.",
    });
  });

  it('group 9907 with systemPrompt "" suppresses the wildcard', () => {
    const decision = evaluateInbound(groupMessage({ chatId: 9907, text: "bot?" }), reference, withPatterns);
    expect(decision).toMatchObject({ kind: "dispatch", systemPrompt: undefined });
  });

  it("a group absent from the map gets the wildcard prompt", () => {
    const decision = evaluateInbound(groupMessage({ chatId: 1234, text: "bot?" }), reference, withPatterns);
    expect(decision).toMatchObject({ kind: "dispatch", systemPrompt: "Use British spelling." });
  });

  it("a group entry without a systemPrompt key gets the wildcard prompt", () => {
    const withEntry = account({ ...reference, groups: { ...reference.groups, "1234": { requireMention: false } } });
    const decision = evaluateInbound(groupMessage({ chatId: 1234 }), withEntry, withPatterns);
    expect(decision).toMatchObject({ kind: "dispatch", systemPrompt: "Use British spelling." });
  });

  it("a whitespace-only systemPrompt is no prompt: it suppresses the wildcard and injects nothing", () => {
    const blank = account({ ...reference, groups: { ...reference.groups, "1234": { systemPrompt: " \n\t " } } });
    const decision = evaluateInbound(groupMessage({ chatId: 1234, text: "bot?" }), blank, withPatterns);
    expect(decision).toMatchObject({ kind: "dispatch", systemPrompt: undefined });
    const blankWildcard = account({ groupAllowFrom: ["*"], groups: { "*": { systemPrompt: "   " } } });
    expect(evaluateInbound(groupMessage({ text: "bot" }), blankWildcard, withPatterns)).toMatchObject({
      systemPrompt: undefined,
    });
  });

  it("no wildcard and no entry: no prompt", () => {
    const decision = evaluateInbound(groupMessage({ text: "bot" }), account({ groupAllowFrom: ["*"] }), withPatterns);
    expect(decision).toMatchObject({ kind: "dispatch", systemPrompt: undefined });
  });
});

describe("mention gating", () => {
  const allowed = account({ groupAllowFrom: ["+15555550123"] });

  it("is on by default and drops unmentioned group messages when patterns exist", () => {
    expect(evaluateInbound(groupMessage({ text: "lunch?" }), allowed, withPatterns)).toMatchObject({
      reason: "not-mentioned",
    });
  });

  it("matches patterns case-insensitively as regular expressions", () => {
    expect(evaluateInbound(groupMessage({ text: "hey OpenClaw, lunch?" }), allowed, withPatterns)).toMatchObject({
      kind: "dispatch",
      wasMentioned: true,
    });
  });

  it("uses the agent's own patterns before messages.groupChat.mentionPatterns", () => {
    const context: InboundContext = {
      agents: [{ id: "main", groupChat: { mentionPatterns: ["^jarvis\\b"] } }],
      mentionPatterns: ["\\bbot\\b"],
    };
    expect(evaluateInbound(groupMessage({ text: "jarvis, lunch?" }), allowed, context)).toMatchObject({
      kind: "dispatch",
    });
    expect(evaluateInbound(groupMessage({ text: "bot, lunch?" }), allowed, context)).toMatchObject({
      reason: "not-mentioned",
    });
  });

  it("falls back to messages.groupChat.mentionPatterns when the agent has none", () => {
    const context: InboundContext = {
      agents: [{ id: "main", groupChat: { mentionPatterns: [] } }],
      mentionPatterns: ["\\bbot\\b"],
    };
    expect(evaluateInbound(groupMessage({ text: "bot, lunch?" }), allowed, context)).toMatchObject({
      kind: "dispatch",
    });
  });

  it("cannot be enforced without patterns: dispatches and says so", () => {
    expect(evaluateInbound(groupMessage({ text: "lunch?" }), allowed, {})).toMatchObject({
      kind: "dispatch",
      wasMentioned: false,
      mentionGating: "unenforceable",
    });
  });

  it("is off for a group with requireMention false, via the wildcard or its own entry", () => {
    const viaWildcard = account({ groupAllowFrom: ["*"], groups: { "*": { requireMention: false } } });
    expect(evaluateInbound(groupMessage({ text: "lunch?" }), viaWildcard, withPatterns)).toMatchObject({
      kind: "dispatch",
      mentionGating: "not-required",
    });
    const ownEntry = account({
      groupAllowFrom: ["*"],
      groups: { "*": { requireMention: true }, "8421": { requireMention: false } },
    });
    expect(evaluateInbound(groupMessage({ text: "lunch?" }), ownEntry, withPatterns)).toMatchObject({
      kind: "dispatch",
    });
  });

  it("does not apply to DMs", () => {
    const decision = evaluateInbound(
      directMessage({ text: "lunch?" }),
      account({ allowFrom: ["+15555550123"] }),
      withPatterns,
    );
    expect(decision).toMatchObject({ kind: "dispatch", mentionGating: "not-required", wasMentioned: false });
  });
});

describe("control commands", () => {
  it.each(["/status", "/new", "/reset", "/config set channels.imessage.dmPolicy open", "/acp spawn codex --bind here"])(
    "%s from an authorized sender bypasses mention gating",
    (text) => {
      const decision = evaluateInbound(
        groupMessage({ text }),
        account({ groupAllowFrom: ["+15555550123"] }),
        withPatterns,
      );
      expect(decision).toMatchObject({ kind: "dispatch", isCommand: true, mentionGating: "command" });
    },
  );

  it("reads the command name and its arguments", () => {
    const decision = evaluateInbound(
      directMessage({ text: "/config set channels.imessage.textChunkLimit 1000" }),
      account({ allowFrom: ["+15555550123"] }),
    );
    expect(decision).toMatchObject({
      isCommand: true,
      command: { name: "config", args: "set channels.imessage.textChunkLimit 1000" },
    });
  });

  it("recognizes a command after a leading mention", () => {
    const decision = evaluateInbound(
      groupMessage({ text: "@openclaw /status" }),
      account({ groupAllowFrom: ["+15555550123"] }),
      withPatterns,
    );
    expect(decision).toMatchObject({ isCommand: true, command: { name: "status", args: "" } });
  });

  it("a stranger's command in an open group is an ordinary message, still gated by mentions", () => {
    const open = account({ groupPolicy: "open" });
    expect(evaluateInbound(groupMessage({ sender: stranger, text: "/reset" }), open, withPatterns)).toMatchObject({
      kind: "drop",
      reason: "not-mentioned",
    });
    expect(evaluateInbound(groupMessage({ sender: stranger, text: "/reset bot" }), open, withPatterns)).toMatchObject({
      kind: "dispatch",
      isCommand: false,
      command: undefined,
    });
  });

  it("a sender admitted only through * or a chat entry may talk but not command", () => {
    const byChat = account({ groupAllowFrom: ["chat_id:8421"] });
    expect(evaluateInbound(groupMessage({ sender: stranger, text: "/status" }), byChat, withPatterns)).toMatchObject({
      reason: "not-mentioned",
    });
    const openDm = evaluateInbound(
      directMessage({ sender: stranger, text: "/reset" }),
      account({ dmPolicy: "open", allowFrom: ["*"] }),
    );
    expect(openDm).toMatchObject({ kind: "dispatch", isCommand: false });
  });

  it("a sender named in allowFrom may command in a group admitted by chat entry", () => {
    const decision = evaluateInbound(
      groupMessage({ text: "/status" }),
      account({ allowFrom: ["+15555550123"], groupAllowFrom: ["chat_id:8421"] }),
      withPatterns,
    );
    expect(decision).toMatchObject({ kind: "dispatch", isCommand: true });
  });

  it("an approved (paired) sender's DM command counts", () => {
    const decision = evaluateInbound(directMessage({ text: "/new" }), account(), { approvedSenders: ["+15555550123"] });
    expect(decision).toMatchObject({ isCommand: true, command: { name: "new" } });
  });

  it("unknown slash words are not commands", () => {
    const decision = evaluateInbound(directMessage({ text: "/shrug" }), account({ allowFrom: ["+15555550123"] }));
    expect(decision).toMatchObject({ kind: "dispatch", isCommand: false });
  });
});
