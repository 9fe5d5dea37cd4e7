import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateInbound } from "./evaluate-inbound.ts";
import { PolicyError } from "./policy-error.ts";
import { parseTarget } from "./target.ts";

const anyText = fc.oneof(
  fc.string(),
  fc.constantFrom("", "*", "chat_id:", "chat_id:12", "imessage:", "SMS;-;", "iMessage;+;chat1", "+1", "@", "(", "/acp"),
);

describe("robustness (property)", () => {
  it("answers dispatch, pairing-challenge or drop for any strings, never throwing", () => {
    fc.assert(
      fc.property(
        fc.record({
          chatId: fc.integer({ min: 0, max: 5 }),
          sender: anyText,
          isFromMe: fc.boolean(),
          text: anyText,
          isGroup: fc.boolean(),
          chatGuid: anyText,
          chatIdentifier: anyText,
        }),
        fc.array(anyText, { maxLength: 4 }),
        fc.option(fc.array(anyText, { maxLength: 3 }), { nil: null }),
        fc.dictionary(anyText, fc.record({ requireMention: fc.boolean(), systemPrompt: anyText })),
        fc.array(anyText, { maxLength: 3 }),
        fc.string({ maxLength: 3 }),
        (message, allowFrom, groupAllowFrom, groups, patterns, region) => {
          const decision = evaluateInbound(
            message,
            {
              accountId: "a",
              dmPolicy: "pairing",
              allowFrom,
              groupPolicy: "open",
              groupAllowFrom,
              groups,
              phoneRegion: region,
            },
            {
              mentionPatterns: patterns,
              approvedSenders: allowFrom,
              bindings: [
                { agentId: "x", match: { channel: "imessage", peer: { kind: "dm", id: allowFrom[0] ?? "" } } },
              ],
            },
          );
          expect(["dispatch", "pairing-challenge", "drop"]).toContain(decision.kind);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("parses any target or refuses it with TARGET_INVALID", () => {
    fc.assert(
      fc.property(anyText, (input) => {
        try {
          parseTarget(input);
        } catch (error) {
          expect(PolicyError.isInstance(error)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
