// A stand-in for `imsg rpc` that answers watch.subscribe with subscription 1 and then writes notifications 1 and 2,
// one hostile line — `message` nested argv[2] arrays deep (default 4 000 000: an 8 MB line) — then 3 and 4.
// Every other request gets `{"chats":[]}`.
import { createInterface } from "node:readline";

const depth = Number(process.argv[2] ?? 4_000_000);
const notification = (id) =>
  JSON.stringify({
    jsonrpc: "2.0",
    method: "message",
    params: {
      subscription: 1,
      message: {
        id,
        chat_id: 1,
        guid: `GUID-${id}`,
        sender: "+15551234567",
        is_from_me: false,
        text: `row ${id} says "[[{" and \\"]]}`,
        created_at: "2026-05-01T12:00:00.000Z",
        attachments: [],
        reactions: [],
        chat_identifier: "+15551234567",
        chat_guid: "iMessage;-;+15551234567",
        chat_name: "+15551234567",
        participants: ["+15551234567"],
        is_group: false,
      },
    },
  });
const hostile = `{"jsonrpc":"2.0","method":"message","params":{"subscription":1,"message":${"[".repeat(depth)}${"]".repeat(depth)}}}`;

const input = createInterface({ input: process.stdin });
input.on("line", (text) => {
  const request = JSON.parse(text);
  const result = request.method === "watch.subscribe" ? { subscription: 1 } : { chats: [] };
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id: request.id, result })}\n`);
  if (request.method !== "watch.subscribe") return;
  process.stdout.write([notification(1), notification(2), hostile, notification(3), notification(4), ""].join("\n"));
});
input.on("close", () => process.exit(0));
