import { describe, expect, it } from "vitest";
import { fileSendCall } from "./reply-media.ts";

describe("fileSendCall", () => {
  it("sends a staged file to the target", () => {
    expect(fileSendCall({ chat_id: 7 }, "/state/media/a.jpg")).toEqual({
      method: "send",
      params: { chat_id: 7, file: "/state/media/a.jpg" },
    });
  });
});
