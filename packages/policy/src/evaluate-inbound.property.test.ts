import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateInbound, type InboundContext, type InboundMessage, type PolicyAccount } from "./evaluate-inbound.ts";

// People and chats with every written form an allowlist may use, so the test knows independently of the
// implementation which entries name whom.
const people = [
  {
    canonical: "+15555550123",
    forms: ["+15555550123", "555-555-0123", "imessage:+1 (555) 555-0123", "sms:5555550123"],
  },
  { canonical: "+15555550456", forms: ["+15555550456", "(555) 555-0456", "auto:+15555550456"] },
  {
    canonical: "friend@example.com",
    forms: ["friend@example.com", "Friend@Example.com", "imessage:FRIEND@example.com"],
  },
  { canonical: "+447700900123", forms: ["+447700900123", "+44 7700 900123"] },
];
const chats = [
  { id: 1, guid: "iMessage;-;+15555550123", identifier: "+15555550123", isGroup: false },
  { id: 2, guid: "SMS;-;+15555550456", identifier: "+15555550456", isGroup: false },
  { id: 8421, guid: "iMessage;+;chat8421", identifier: "chat8421", isGroup: true },
  { id: 9907, guid: "any;+;chat9907", identifier: "chat9907", isGroup: true },
  { id: 3, guid: "RCS;-;+447700900123", identifier: "+447700900123", isGroup: false },
];
const chatEntries = (chat: (typeof chats)[number]) => [
  `chat_id:${chat.id}`,
  `chat_guid:${chat.guid}`,
  `chat_identifier:${chat.identifier}`,
];
const allEntries = ["*", ...people.flatMap((person) => person.forms), ...chats.flatMap(chatEntries)];
const texts = ["hello", "/status", "/reset", "/config set x 1", "hey bot", "@openclaw /new", "", "bot /acp close"];
const groupKeys = [
  "*",
  "8421",
  "9907",
  "chat_id:1",
  "chat_guid:iMessage;+;chat8421",
  "chat_identifier:chat9907",
  "555",
];

const message = fc.record({
  person: fc.constantFrom(...people),
  form: fc.nat(),
  chat: fc.constantFrom(...chats),
  isFromMe: fc.boolean(),
  flipGroup: fc.boolean(),
  text: fc.constantFrom(...texts),
});
const account = fc.record({
  dmPolicy: fc.constantFrom("pairing" as const, "allowlist" as const, "open" as const, "disabled" as const),
  groupPolicy: fc.constantFrom("allowlist" as const, "open" as const, "disabled" as const),
  allowFrom: fc.subarray(allEntries, { maxLength: 4 }),
  groupAllowFrom: fc.option(fc.subarray(allEntries, { maxLength: 4 }), { nil: null }),
  groups: fc.dictionary(
    fc.constantFrom(...groupKeys),
    fc.record(
      {
        requireMention: fc.option(fc.boolean(), { nil: undefined }),
        systemPrompt: fc.option(fc.constantFrom("", "p"), { nil: undefined }),
      },
      { requiredKeys: [] },
    ),
    { maxKeys: 3 },
  ),
  allowSmsSenders: fc.boolean(),
});
const context = fc.record({
  approvedSenders: fc.subarray(
    people.flatMap((person) => person.forms),
    { maxLength: 3 },
  ),
  mentionPatterns: fc.subarray(["\\bbot\\b", "@?openclaw"], { maxLength: 2 }),
  dmScope: fc.constantFrom("main" as const, "per-sender" as const),
  agents: fc.constantFrom(
    [],
    [{ id: "main" }],
    [
      { id: "a", groupChat: { mentionPatterns: ["\\bbot\\b"] } },
      { id: "b", default: true },
    ],
  ),
  bindings: fc.constantFrom(
    [],
    [{ agentId: "a", match: { channel: "imessage", peer: { kind: "group" as const, id: "chat_id:8421" } } }],
  ),
});

function build(generated: {
  person: (typeof people)[number];
  form: number;
  chat: (typeof chats)[number];
  isFromMe: boolean;
  flipGroup: boolean;
  text: string;
}): InboundMessage {
  const { person, chat } = generated;
  return {
    chatId: chat.id,
    sender: person.forms[generated.form % person.forms.length]!,
    isFromMe: generated.isFromMe,
    text: generated.text,
    // imsg sometimes reports multi-person threads with is_group=false
    isGroup: generated.flipGroup ? false : chat.isGroup,
    chatGuid: chat.guid,
    chatIdentifier: chat.identifier,
  };
}

/** Whether an entry names this person or this chat, decided from the tables above, not by the implementation. */
function names(entry: string, person: (typeof people)[number], chat: (typeof chats)[number]): boolean {
  return entry === "*" || person.forms.includes(entry) || chatEntries(chat).includes(entry);
}

describe("evaluateInbound invariants (property)", () => {
  it("never dispatches is_from_me; disabled never dispatches; outsiders of every allowlist (and of the groups registry) never dispatch under allowlist", () => {
    fc.assert(
      fc.property(message, account, context, (generated, accountSettings, contextSettings) => {
        const row = build(generated);
        const policyAccount: PolicyAccount = { accountId: "default", phoneRegion: "US", ...accountSettings };
        const decision = evaluateInbound(row, policyAccount, contextSettings as InboundContext);

        if (row.isFromMe) expect(decision).toMatchObject({ kind: "drop", reason: "from-me" });
        if (decision.kind !== "dispatch") return;

        if (decision.isGroup) expect(accountSettings.groupPolicy).not.toBe("disabled");
        else expect(accountSettings.dmPolicy).not.toBe("disabled");
        if (accountSettings.dmPolicy === "disabled" && accountSettings.groupPolicy === "disabled")
          throw new Error("dispatched while both policies are disabled");

        const { person, chat } = generated;
        const everyList = [
          ...accountSettings.allowFrom,
          ...(accountSettings.groupAllowFrom ?? []),
          ...contextSettings.approvedSenders,
        ];
        const registryNamesChat = Object.keys(accountSettings.groups).some(
          (key) => key === "*" || key === String(chat.id) || chatEntries(chat).includes(key),
        );
        const outsider = !everyList.some((entry) => names(entry, person, chat)) && !registryNamesChat;
        if (outsider) {
          expect(decision.isGroup ? accountSettings.groupPolicy : accountSettings.dmPolicy).toBe("open");
        }
        if (decision.isGroup && accountSettings.groupPolicy === "allowlist") {
          const groupList = accountSettings.groupAllowFrom ?? accountSettings.allowFrom;
          if (groupList.length > 0) expect(groupList.some((entry) => names(entry, person, chat))).toBe(true);
          else expect(registryNamesChat).toBe(true);
        }
        if (!decision.isGroup && accountSettings.dmPolicy === "allowlist") {
          expect(
            [...accountSettings.allowFrom, ...contextSettings.approvedSenders].some((entry) =>
              names(entry, person, chat),
            ),
          ).toBe(true);
        }
        if (/^(SMS|RCS);/.test(chat.guid)) expect(accountSettings.allowSmsSenders).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("challenges for pairing only in DMs under dmPolicy pairing", () => {
    fc.assert(
      fc.property(message, account, context, (generated, accountSettings, contextSettings) => {
        const decision = evaluateInbound(
          build(generated),
          { accountId: "default", ...accountSettings },
          contextSettings as InboundContext,
        );
        if (decision.kind === "pairing-challenge") {
          expect(accountSettings.dmPolicy).toBe("pairing");
          expect(generated.isFromMe).toBe(false);
          expect(decision.sender).toBe(generated.person.canonical);
        }
      }),
      { numRuns: 300 },
    );
  });
});
