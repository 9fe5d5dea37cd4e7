import { describe, expect, it } from "vitest";
import { normalizeHandle } from "./handle.ts";

describe("normalizeHandle", () => {
  it.each([
    ["+15555550123", "+15555550123"],
    ["415-555-1212", "+14155551212"],
    ["(555) 555-0123", "+15555550123"],
    ["1 555 555 0123", "+15555550123"],
    ["+44 7700 900123", "+447700900123"],
    ["imessage:+15555550123", "+15555550123"],
    ["sms:+15555550123", "+15555550123"],
    ["auto:+15555550123", "+15555550123"],
    ["iMessage;-;+15555550123", "+15555550123"],
    ["SMS;-;+15555550123", "+15555550123"],
    ["any;-;+15555550123", "+15555550123"],
    ["RCS;-;+15555550123", "+15555550123"],
    ["imessage:iMessage;-;5555550123", "+15555550123"],
    ["Friend@Example.COM", "friend@example.com"],
    ["  imessage:Friend@Example.com ", "friend@example.com"],
    ["iMessage;-;Friend@Example.com", "friend@example.com"],
    ["12345", "12345"],
    ["urn:biz:abc-123", "urn:biz:abc-123"],
    ["", ""],
  ])("%s → %s", (raw, expected) => {
    expect(normalizeHandle(raw)).toBe(expected);
  });

  it("reads a number without country code in the configured region", () => {
    expect(normalizeHandle("07700 900123", "GB")).toBe("+447700900123");
    expect(normalizeHandle("5555550123", "US")).toBe("+15555550123");
  });

  it("remembers results per region, not across regions", () => {
    expect(normalizeHandle("020 7946 0958", "GB")).toBe("+442079460958");
    expect(normalizeHandle("020 7946 0958", "US")).not.toBe("+442079460958");
    expect(normalizeHandle("020 7946 0958", "GB")).toBe("+442079460958");
  });

  it("keeps digits instead of failing on an unknown region", () => {
    expect(normalizeHandle("555-0123", "ZZ")).toBe("5550123");
  });
});
