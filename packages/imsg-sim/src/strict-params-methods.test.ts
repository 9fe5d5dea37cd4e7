import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StrictSim } from "./test-support/strict-sim.ts";

const uuid = "5C1E7B52-9A0F-4E3C-8D5B-2F6A1C0D9E41";

describe("per-method params of imsg 0.15.10 (docs/imsg-protocol.md, Strict params)", () => {
  let strict: StrictSim;

  beforeAll(() => {
    strict = new StrictSim("0.15.10", ["--bridge", "up"]);
  });
  afterAll(async () => {
    await strict.close();
  });

  it("keeps each method's own key set: an alias here is an unknown key there", async () => {
    await strict.expectInvalid(
      "bridge.events.subscribe",
      { bufferLimit: 8 },
      "unknown bridge.events.subscribe param: bufferLimit",
    );
    const watched = await strict.request("watch.subscribe", { bufferLimit: 8 });
    expect(watched.result).toHaveProperty("subscription");
    await strict.expectInvalid("send", { to: "+15551234567", message: "hi" }, "unknown send param: message");
    await strict.expectInvalid(
      "send.rich",
      { chat_id: 1, text: "x", formatting: [] },
      "unknown send.rich param: formatting",
    );
    const formatted = await strict.request("send", { to: "+15551234567", text: "x", formatting: [] });
    expect(formatted.result).toMatchObject({ ok: true });
    await strict.expectInvalid("chats.get", { chatId: 1 }, "unknown chats.get param: chatId");
    await strict.expectInvalid(
      "message.notifyAnyways",
      { chat_id: 2, message_id: "G", part_index: 0 },
      "unknown message.notifyAnyways param: part_index",
    );
    const unsend = await strict.request("message.unsend", { chat_id: 2, message_id: "G", part_index: 0 });
    // Past the params: whatever it answers (the bridge is down here, a typed delivery failure), not -32602.
    expect(unsend.error?.code).not.toBe(-32602);
  });

  it("initialize accepts protocol_version 1 only; status takes no keys", async () => {
    await strict.expectInvalid(
      "initialize",
      { protocol_version: 2 },
      "unsupported protocol_version 2; supported version is 1",
    );
    await strict.expectInvalid("initialize", { protocol_version: "1" }, "protocol_version must be an integer");
    expect((await strict.request("initialize", { protocol_version: 1 })).result).toHaveProperty("protocol_version", 1);
    await strict.expectInvalid("status", { verbose: true }, "unknown status param: verbose");
  });

  it("answers the read methods' required and range texts", async () => {
    await strict.expectInvalid("watch.unsubscribe", {}, "subscription is required");
    await strict.expectInvalid("watch.unsubscribe", { subscription: 0 }, "subscription must be a positive integer");
    await strict.expectInvalid("chats.get", {}, "chat_id is required");
    await strict.expectInvalid("messages.history", {}, "chat_id is required");
    await strict.expectInvalid("messages.search", { query: "  " }, "query must be a non-empty string");
    await strict.expectInvalid("messages.search", { query: "x", match: "regex" }, "match must be contains or exact");
    await strict.expectInvalid("messages.after", {}, "since_rowid must be a non-negative integer");
    await strict.expectInvalid("messages.after", { since_rowid: -1 }, "since_rowid must be a non-negative integer");
    await strict.expectInvalid("message.send_status", { guid: " " }, "guid is required");
    await strict.expectInvalid("handles.check", {}, "address is required");
    await strict.expectInvalid(
      "handles.check",
      { address: "a@b.c", alias_type: "fax" },
      "alias_type must be phone or email",
    );
    await strict.expectInvalid(
      "handles.check",
      { address: "a@b.c", service: "SMS" },
      "handles.check only supports service iMessage",
    );
  });

  it("checks send in imsg's order: types, attempt_id, formatting, service, transport, then the target", async () => {
    await strict.expectInvalid("send", { text: 5, attempt_id: uuid }, "text must be a string");
    await strict.expectInvalid(
      "send",
      { attempt_id: uuid, service: "bogus" },
      "attempt_id is only supported by send.tracked",
    );
    await strict.expectInvalid("send", { service: "iMessage", transport: "carrier" }, "invalid service");
    await strict.expectInvalid("send", { transport: "carrier" }, "invalid transport");
    const upperTransport = await strict.request("send", { to: "+15551234567", text: "x", transport: "AppleScript" });
    expect(upperTransport.result).toMatchObject({ ok: true, transport: "applescript" });
    await strict.expectInvalid("send", { allowSMSFallback: "yes" }, "allowSMSFallback must be a boolean");
  });

  it("wants a UUID attempt_id and one bridge text message from send.tracked", async () => {
    await strict.expectInvalid("send.tracked", { chat_id: 1, text: "x" }, "attempt_id must be a UUID");
    await strict.expectInvalid(
      "send.tracked",
      { chat_id: 1, text: "x", attempt_id: "attempt-1" },
      "attempt_id must be a UUID",
    );
    await strict.expectInvalid(
      "send.tracked",
      { chat_id: 1, text: "x", file: "/tmp/a.png", attempt_id: uuid },
      "send.tracked supports exactly one text message",
    );
    await strict.expectInvalid(
      "send.tracked",
      { chat_id: 1, text: "x", transport: "applescript", attempt_id: uuid },
      "send.tracked requires bridge transport",
    );
  });

  it("answers the send.rich, send.attachment and send.multipart texts", async () => {
    await strict.expectInvalid(
      "send.rich",
      { chat_id: 1, url: "https://example.com", subject: "s", text: "t" },
      "text is not supported with url",
    );
    await strict.expectInvalid(
      "send.rich",
      { chat_id: 1, url: "https://example.com", partIndex: 1 },
      "partIndex is not supported with url",
    );
    await strict.expectInvalid("send.rich", { chat_id: 1, path: "" }, "file must be a non-empty string");
    await strict.expectInvalid("send.attachment", { chat_id: 1 }, "file is required");
    await strict.expectInvalid(
      "send.attachment",
      { chat_id: 1, file: "/a.png", part_index: 1 },
      "part_index requires reply_to",
    );
    await strict.expectInvalid(
      "send.attachment",
      { chat_id: 1, file: "/a.png", reply_to: "G", part_index: -1 },
      "part_index must be a non-negative integer",
    );
    await strict.expectInvalid("send.multipart", { chat_id: 1 }, "parts is required");
    await strict.expectInvalid(
      "send.multipart",
      { chat_id: 1, parts: [{ text: "a", mention: "x", attachment: 1 }] },
      "attachment parts are not supported",
    );
    await strict.expectInvalid(
      "send.multipart",
      { chat_id: 1, parts: [{ text: "a", bold: true }] },
      "unknown send.multipart parts[0] param: bold",
    );
    await strict.expectInvalid(
      "send.multipart",
      { chat_id: 1, parts: [{ text: "a" }, { text: " " }] },
      "parts[1].text must be a non-empty string",
    );
  });

  it("answers the poll, message-action and group texts", async () => {
    await strict.expectInvalid("poll.send", { chat_id: 1 }, "question is required");
    await strict.expectInvalid(
      "messages.poll.send",
      { chat_id: 1, question: "Dinner?", options: ["A", "B"], comment: "c", suppress_comment: true },
      "comment cannot be combined with suppress_comment: true",
    );
    await strict.expectInvalid("poll.vote", { chat_id: 1, option_id: "A" }, "poll_guid is required");
    await strict.expectInvalid(
      "poll.vote",
      { chat_id: 1, poll_guid: "P" },
      "one of option_id, option_index, or option is required",
    );
    await strict.expectInvalid(
      "messages.poll.unvote",
      { chat_id: 1, pollGuid: "P", optionId: "A", option: "Pizza" },
      "choose exactly one of option_id, option_index, or option",
    );
    await strict.expectInvalid("tapback", { chat_id: 2, reaction: "love" }, "message_id or message_guid is required");
    await strict.expectInvalid("message.edit", { chat_id: 2, message_id: "G" }, "text is required");
    await strict.expectInvalid(
      "chats.create",
      { addresses: [" ", ""] },
      "addresses is required (non-empty array of phone/email)",
    );
    await strict.expectInvalid("group.rename", { chat_id: 2 }, "name is required");
    await strict.expectInvalid("group.addParticipant", { chat_id: 2, address: "" }, "address is required");
    await strict.expectInvalid("group.removeParticipant", { chat_id: 2 }, "address is required");
  });
});
