import { errorMessage } from "@imessage-channel/kit";
import { describe, expect, it } from "vitest";
import { expandEffectId } from "./effect.ts";
import { OutboundError } from "./outbound-error.ts";
import { normalizeTapback } from "./tapback.ts";

describe("normalizeTapback", () => {
  it.each([
    ["love", "love"],
    [" Heart ", "love"],
    ["❤️", "love"],
    ["❤", "love"],
    ["thumbs-up", "like"],
    ["+1", "like"],
    ["👍", "like"],
    ["THUMBSDOWN", "dislike"],
    ["-1", "dislike"],
    ["👎", "dislike"],
    ["haha", "laugh"],
    ["🤣", "laugh"],
    ["😂", "laugh"],
    ["emphasis", "emphasize"],
    ["!!", "emphasize"],
    ["‼️", "emphasize"],
    ["‼", "emphasize"],
    ["?", "question"],
    ["❓", "question"],
  ])("%j → %s", (input, kind) => {
    expect(normalizeTapback(input)).toEqual({ kind, remove: false });
  });

  it("reads a remove- prefix as a removal", () => {
    expect(normalizeTapback("remove-like")).toEqual({ kind: "like", remove: true });
    expect(normalizeTapback("Remove-👍")).toEqual({ kind: "like", remove: true });
  });

  it("refuses other reactions, listing the six", () => {
    expect(() => normalizeTapback("🎉")).toThrow(
      'unsupported tapback reaction "🎉"; use love, like, dislike, laugh, emphasize, or question',
    );
  });
});

describe("expandEffectId", () => {
  it.each([
    ["impact", "com.apple.MobileSMS.expressivesend.impact"],
    ["slam", "com.apple.MobileSMS.expressivesend.impact"],
    ["Loud", "com.apple.MobileSMS.expressivesend.loud"],
    ["gentle", "com.apple.MobileSMS.expressivesend.gentle"],
    ["invisible ink", "com.apple.MobileSMS.expressivesend.invisibleink"],
    ["confetti", "com.apple.messages.effect.CKConfettiEffect"],
    ["lasers", "com.apple.messages.effect.CKLasersEffect"],
    ["fireworks", "com.apple.messages.effect.CKFireworksEffect"],
    ["balloons", "com.apple.messages.effect.CKBalloonsEffect"],
    ["sparkles", "com.apple.messages.effect.CKSparklesEffect"],
    ["spotlight", "com.apple.messages.effect.CKSpotlightEffect"],
    ["echo", "com.apple.messages.effect.CKEchoEffect"],
    ["love", "com.apple.messages.effect.CKLoveEffect"],
    ["celebration", "com.apple.messages.effect.CKCelebrationEffect"],
    ["com.apple.messages.effect.CKHappyBirthdayEffect", "com.apple.messages.effect.CKHappyBirthdayEffect"],
  ])("%s → %s", (input, expected) => {
    expect(expandEffectId(input)).toBe(expected);
  });

  it("refuses an unknown name with the list of effects", () => {
    let error: unknown;
    try {
      expandEffectId("explode");
    } catch (caught) {
      error = caught;
    }
    expect(OutboundError.isInstance(error) && error.code).toBe("ACTION_PARAMS_INVALID");
    expect(errorMessage(error)).toMatch(/^unknown iMessage effect "explode"; use one of impact, loud, gentle/);
  });
});
