import { describe, expect, it } from "vitest";
import { OutboundError } from "./outbound-error.ts";
import { fileSendCall, planReplyMedia } from "./reply-media.ts";

const limits = {
  mediaMaxBytes: 100,
  sizeOfPath: async (path: string) => (path === "/big.mov" ? 101 : 10),
};

describe("planReplyMedia", () => {
  it("plans every attachment of a reply in order", async () => {
    const plans = await planReplyMedia([{ path: "/a.jpg" }, { base64: "AAAA", filename: "b.bin" }], limits);
    expect(plans.map((plan) => [plan.kind, plan.filename, plan.byteSize])).toEqual([
      ["path", "a.jpg", 10],
      ["buffer", "b.bin", 3],
    ]);
  });

  it("refuses the whole reply's media when one file is over mediaMaxMb", async () => {
    const outcome = planReplyMedia([{ path: "/a.jpg" }, { path: "/big.mov" }], limits);
    await expect(outcome).rejects.toSatisfy(
      (error) => OutboundError.isInstance(error) && error.code === "MEDIA_TOO_LARGE",
    );
  });
});

describe("fileSendCall", () => {
  it("sends a staged file to the target", () => {
    expect(fileSendCall({ chat_id: 7 }, "/state/media/a.jpg")).toEqual({
      method: "send",
      params: { chat_id: 7, file: "/state/media/a.jpg" },
    });
  });
});
