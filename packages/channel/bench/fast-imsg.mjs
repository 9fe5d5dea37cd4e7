// A fast stand-in for `imsg rpc` 0.15 with the bridge up, for the outbox benchmark: it answers `initialize` with
// the methods tracked sends need and every `send.tracked` at once with its own attempt_id as the guid, so the time
// measured is the channel's, not a simulated Mac's. Everything else answers an empty result.
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";

const methods = ["initialize", "status", "send", "send.tracked", "message.send_status", "messages.history"];
let rowid = 1000;
const input = createInterface({ input: process.stdin });
input.on("line", (text) => {
  const request = JSON.parse(text);
  let result = {};
  if (request.method === "initialize") {
    result = { version: "0.15.10", protocol_version: 1, bridge: { ready: true, v2_ready: true }, methods };
  } else if (request.method === "send.tracked" || request.method === "send") {
    rowid += 1;
    const guid = request.params.attempt_id ?? randomUUID().toUpperCase();
    result = { ok: true, transport: "bridge", id: rowid, guid, message_id: guid, service: "iMessage" };
  } else if (request.method === "messages.history") {
    result = { messages: [] };
  }
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id: request.id, result })}\n`);
});
input.on("close", () => process.exit(0));
