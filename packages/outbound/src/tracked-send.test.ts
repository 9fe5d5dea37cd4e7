import { describe, expect, it } from "vitest";
import { isTrackableSend, trackedSendGuid, trackedSendsUsable } from "./tracked-send.ts";

describe("tracked sends", () => {
  it("derive one lowercase UUID per account, part and attempt, the same on every run", () => {
    const guid = trackedSendGuid("default", "reply:g1#0", 0);
    expect(guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(trackedSendGuid("default", "reply:g1#0", 0)).toBe(guid);
    const others = [
      trackedSendGuid("default", "reply:g1#0", 1),
      trackedSendGuid("default", "reply:g1#1", 0),
      trackedSendGuid("work", "reply:g1#0", 0),
    ];
    expect(new Set([guid, ...others]).size).toBe(4);
  });

  it("are used only when the connection offers both send.tracked and message.send_status", () => {
    expect(trackedSendsUsable(["send", "send.tracked", "message.send_status"])).toBe(true);
    expect(trackedSendsUsable(["send", "message.send_status"])).toBe(false);
    expect(trackedSendsUsable(["send", "send.tracked"])).toBe(false);
    expect(trackedSendsUsable(undefined)).toBe(false);
    const both = ["send.tracked", "message.send_status"];
    expect(trackedSendsUsable(both, { clientMessageGuidReservation: false })).toBe(false);
    expect(trackedSendsUsable(both, { clientMessageGuidReservation: true })).toBe(true);
  });

  it("carry exactly one text, never a file", () => {
    expect(isTrackableSend({ method: "send", params: { chat_id: 1, text: "hi" } })).toBe(true);
    expect(isTrackableSend({ method: "send", params: { chat_id: 1, file: "/m/a.png" } })).toBe(false);
    expect(isTrackableSend({ method: "send", params: { chat_id: 1, text: "" } })).toBe(false);
    expect(isTrackableSend({ method: "send.rich", params: { chat_id: 1, text: "hi" } })).toBe(false);
  });
});
