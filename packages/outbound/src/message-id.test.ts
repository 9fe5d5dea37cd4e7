import { describe, expect, it } from "vitest";
import { isShortMessageId, resolveMessageGuid } from "./message-id.ts";
import { OutboundError } from "./outbound-error.ts";

const guid = "4A1B6C3E-0000-4000-8000-000000000001";

describe("resolveMessageGuid", () => {
  it("passes full guids through without a lookup", () => {
    expect(resolveMessageGuid(` ${guid} `, undefined)).toBe(guid);
    expect(resolveMessageGuid("p:0/ABC", () => "never")).toBe("p:0/ABC");
  });

  it("looks short ids up in the reply cache", () => {
    expect(resolveMessageGuid("12", (id) => (id === "12" ? guid : undefined))).toBe(guid);
  });

  it("never sends a short id to imsg: unknown or without a cache it is MESSAGE_ID_UNKNOWN", () => {
    for (const lookup of [() => undefined, undefined]) {
      let error: unknown;
      try {
        resolveMessageGuid("12", lookup);
      } catch (caught) {
        error = caught;
      }
      expect(OutboundError.isInstance(error) && error.code).toBe("MESSAGE_ID_UNKNOWN");
    }
  });

  it("tells short ids from guids", () => {
    expect(isShortMessageId("7")).toBe(true);
    expect(isShortMessageId(guid)).toBe(false);
  });
});
