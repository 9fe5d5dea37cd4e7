import { createChatDb, openChatDbForWriting } from "./chat-db-schema.ts";
import { exampleChatDbSql } from "./example-data.ts";
import { insertMessage, inTransaction } from "./inject.ts";

/**
 * Creates a realistic chat.db at `path`: the example rows of docs/imsg-protocol.md#example-rows (a DM, the "Weekend
 * Crew" group with a tapback, an inline reply, an attachment, an attributedBody-only row) plus an SMS DM and a custom
 * tapback.
 */
export function seed(path: string): void {
  createChatDb(path);
  const database = openChatDbForWriting(path);
  try {
    database.exec(exampleChatDbSql);
    inTransaction(database, () => {
      const sms = insertMessage(database, {
        from: "+15557654321",
        service: "SMS",
        text: "Your code is 123456",
        date: new Date("2026-05-01T12:10:00.000Z"),
      });
      insertMessage(database, {
        chatId: sms.chatId,
        from: "+15557654321",
        service: "SMS",
        isFromMe: true,
        text: "Thanks!",
        destinationCallerId: "+15550001111",
        date: new Date("2026-05-01T12:11:00.000Z"),
      });
      insertMessage(database, {
        from: "jane@example.com",
        group: "iMessage;+;chat123456789012345678",
        tapback: { kind: "custom", target: "0B6E1C2A-1111-4C3B-9F00-000000000007", emoji: "🎉" },
        date: new Date("2026-05-01T12:12:00.000Z"),
      });
    });
  } finally {
    database.close();
  }
}
