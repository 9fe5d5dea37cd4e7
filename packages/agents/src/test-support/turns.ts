import type { Turn } from "../turn.ts";

/** A realistic DM turn; override what a test cares about. */
export function sampleTurn(overrides: Partial<Turn> = {}): Turn {
  return {
    version: 1,
    channel: "imessage",
    accountId: "default",
    agentId: "main",
    sessionKey: "agent:main:main",
    chat: { id: 1, guid: "iMessage;-;+15555550123", identifier: "+15555550123", isGroup: false },
    sender: { handle: "+15555550123" },
    text: "hello there",
    attachments: [],
    messageIds: [{ short: "1", guid: "0B6E1C2A-1111-4C3B-9F00-000000000001" }],
    wasMentioned: false,
    coalescedMessageGuids: ["0B6E1C2A-1111-4C3B-9F00-000000000001"],
    replayed: false,
    ...overrides,
  };
}
