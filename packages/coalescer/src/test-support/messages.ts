import type { CoalescibleMessage } from "../imsg-message.ts";

export interface TestAttachment {
  filename: string;
}

let nextRowid = 100;

/** An inbound imsg DM row from +15555550123 in chat 1, overridable field by field. */
export function dm(text: string, overrides: Partial<CoalescibleMessage<TestAttachment>> = {}) {
  nextRowid += 1;
  return {
    guid: `GUID-${nextRowid}`,
    chatId: 1,
    sender: "+15555550123",
    text,
    isGroup: false,
    attachments: [] as TestAttachment[],
    ...overrides,
  };
}

export type TestMessage = ReturnType<typeof dm>;

/** A row of group chat 9 from the given sender. */
export function groupRow(sender: string, text: string): TestMessage {
  return dm(text, { chatId: 9, sender, isGroup: true });
}
