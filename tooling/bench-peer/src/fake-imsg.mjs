// The one fake `imsg rpc` both clients spawn (through a launcher written by fake-imsg-launcher.ts, which passes the
// config): JSON-RPC 2.0 lines on stdio, for the methods the peer bench uses. `watch.subscribe` answers subscription 1,
// then streams `notifications` recorded-shape `message` notifications (the repo's watch-replay fixture with fresh ids)
// in one write, as fast as the pipe takes them; `chats.list` and `status` answer small recorded results; `send`
// answers `{ ok, id, guid }` as imsg does, and `send.tracked` (imsg 0.14+, which only our side sends) the shape the
// bridge answers, with the request's attempt_id as the message guid. Plain JavaScript on purpose: the reference spawns it once per send, so its
// start-up must stay as small as Node's own.
import { readFileSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";

/**
 * @param {{ notifications: number, notificationTemplatesPath: string, chatsListResponsePath: string }} config
 */
export function serveFakeImsg(config) {
  const templates = readFileSync(config.notificationTemplatesPath, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
  const chatsList = JSON.parse(readFileSync(config.chatsListResponsePath, "utf8").split("\n")[0]).result;
  const status = { version: "0.9.0", basic_features: true, advanced_features: false, sip: "enabled" };
  let nextRowid = 1_000_000;

  /** The whole stream as one string: built before the subscribe answer, so no client is timed on its building. */
  function notificationStream(subscription) {
    const lines = [];
    for (let index = 0; index < config.notifications; index += 1) {
      const notification = templates[index % templates.length];
      notification.params.subscription = subscription;
      notification.params.message.id = index + 1;
      lines.push(JSON.stringify(notification));
    }
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  }

  function answer(request) {
    const id = request.id;
    const reply = (result) => process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id, result })}\n`);
    switch (request.method) {
      case "watch.subscribe": {
        const stream = notificationStream(1);
        reply({ subscription: 1 });
        if (stream !== "") process.stdout.write(stream);
        return;
      }
      case "watch.unsubscribe":
        return reply({ ok: true });
      case "chats.list":
        return reply(chatsList);
      case "status":
        return reply(status);
      case "send": {
        nextRowid += 1;
        const guid = `0B6E1C2A-2222-4C3B-9F00-${String(nextRowid).padStart(12, "0")}`;
        return reply({ ok: true, id: nextRowid, guid });
      }
      case "send.tracked": {
        nextRowid += 1;
        const guid = request.params.attempt_id;
        return reply({ ok: true, transport: "bridge", id: nextRowid, guid, message_id: guid, service: "iMessage" });
      }
      default:
        process.stdout.write(
          `${JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32601, message: `Method not found: ${request.method}` } })}\n`,
        );
    }
  }

  const decoder = new StringDecoder("utf8");
  let buffered = "";
  process.stdin.on("data", (chunk) => {
    buffered += decoder.write(chunk);
    let newline = buffered.indexOf("\n");
    while (newline !== -1) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== "") answer(JSON.parse(line));
      newline = buffered.indexOf("\n");
    }
  });
  process.stdin.on("end", () => process.exit(0));
}
