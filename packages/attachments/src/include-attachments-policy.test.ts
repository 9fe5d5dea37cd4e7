import { describe, expect, it } from "vitest";
import type { ImsgAttachment } from "./attachment-types.ts";
import { applyIncludeAttachments } from "./include-attachments-policy.ts";

const photo: ImsgAttachment = {
  originalPath: "/Users/bob/Library/Messages/Attachments/4a/IMG_1.heic",
  mimeType: "image/heic",
};

describe("applyIncludeAttachments", () => {
  it("drops an attachment-only message (placeholder text) when includeAttachments is off, with a reason", () => {
    const decision = applyIncludeAttachments({ guid: "g1", text: "\uFFFC", attachments: [photo] }, false);
    expect(decision).toMatchObject({ action: "drop", reason: "attachment-only" });
    expect(decision.action === "drop" && decision.detail).toContain("includeAttachments is off");
  });

  it("drops an attachment-only message with empty text or several placeholders", () => {
    expect(applyIncludeAttachments({ text: "", attachments: [photo] }, false).action).toBe("drop");
    expect(applyIncludeAttachments({ text: " \uFFFC\uFFFC\n", attachments: [photo, photo] }, false).action).toBe(
      "drop",
    );
  });

  it("passes a text message without its attachments and without the placeholder", () => {
    const decision = applyIncludeAttachments({ guid: "g2", text: "\uFFFC look at this", attachments: [photo] }, false);
    expect(decision).toEqual({ action: "pass", message: { guid: "g2", text: "look at this", attachments: [] } });
  });

  it("leaves text without placeholders exactly as it was", () => {
    const decision = applyIncludeAttachments({ text: "  spaced  ", attachments: [photo] }, false);
    expect(decision).toEqual({ action: "pass", message: { text: "  spaced  ", attachments: [] } });
  });

  it("passes every message unchanged when includeAttachments is on", () => {
    const message = { text: "\uFFFC", attachments: [photo] };
    expect(applyIncludeAttachments(message, true)).toEqual({ action: "pass", message });
  });

  it("passes a plain text message with no attachments unchanged, even the empty one", () => {
    const message = { text: "", attachments: [] };
    expect(applyIncludeAttachments(message, false)).toEqual({ action: "pass", message });
  });
});
