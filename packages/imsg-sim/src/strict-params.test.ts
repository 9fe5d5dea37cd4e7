import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imsgPersonality } from "./personality.ts";
import { StrictSim } from "./test-support/strict-sim.ts";

const canonicalOf: Record<string, string> = {
  "messages.poll.send": "poll.send",
  "messages.poll.vote": "poll.vote",
  "polls.unvote": "poll.unvote",
  "messages.poll.unvote": "poll.unvote",
};

describe("strict params of imsg 0.15.10 (docs/imsg-protocol.md, Strict params)", () => {
  let strict: StrictSim;

  beforeAll(() => {
    strict = new StrictSim("0.15.10", ["--bridge", "up"]);
  });
  afterAll(async () => {
    await strict.close();
  });

  it("refuses the alphabetically first unknown key, named under the handler's canonical method", async () => {
    await strict.expectInvalid("chats.list", { zeta: 1, chatId: 2, alpha: 3 }, "unknown chats.list param: alpha");
    await strict.expectInvalid("messages.poll.vote", { bogus: 1 }, "unknown poll.vote param: bogus");
    await strict.expectInvalid("polls.unvote", { x: 1 }, "unknown poll.unvote param: x");
    // Before any other check: this send lacks a target and text too.
    await strict.expectInvalid("send", { bogus: true }, "unknown send param: bogus");
  });

  it("rejects an unknown key on every one of the 44 methods", async () => {
    const methods = imsgPersonality("0.15.10").rpcMethods;
    expect(methods).toHaveLength(44);
    for (const method of methods) {
      const canonical = canonicalOf[method] ?? method;
      await strict.expectInvalid(method, { zz_unknown: 1 }, `unknown ${canonical} param: zz_unknown`);
    }
  });

  it("refuses two spellings of one slot, listing the canonical key and its aliases in order", async () => {
    await strict.expectInvalid(
      "tapback",
      { chat_id: 2, message_id: "G", messageGuid: "G", reaction: "love" },
      "use only one of message_id, messageId, message_guid, messageGuid, message",
    );
    await strict.expectInvalid(
      "watch.subscribe",
      { buffer_limit: 4, bufferLimit: 4 },
      "use only one of buffer_limit, bufferLimit",
    );
    await strict.expectInvalid(
      "send",
      { to: "+15551234567", text: "x", reply_to: "A", message_guid: "B" },
      "use only one of reply_to, replyTo, reply_to_guid, message_guid",
    );
  });

  it("refuses null under the spelling the caller used", async () => {
    await strict.expectInvalid("watch.subscribe", { bufferLimit: null }, "bufferLimit must not be null");
    await strict.expectInvalid("send.rich", { chat_id: 1, message: null }, "message must not be null");
  });

  it("refuses a non-string for a string param", async () => {
    await strict.expectInvalid("send", { to: 15551234567, text: "x" }, "to must be a string");
    await strict.expectInvalid("send.rich", { chat_id: 1, text: 42 }, "text must be a string");
  });

  it("accepts only integer literals: 1.0 and 1e0 are refused though JSON.parse reads them as 1", async () => {
    for (const value of [1.5, "1", true]) {
      await strict.expectInvalid("chats.list", { limit: value }, "limit must be an integer");
    }
    // Raw lines: JSON.stringify would turn 1.0 into 1 before the sim saw it.
    const literals = ["1.0", "1e0", "2E1", "1"];
    for (const literal of literals) {
      strict.sim.writeLine(
        `{"jsonrpc":"2.0","id":"raw ${literal}","method":"chats.list","params":{"limit":${literal}}}`,
      );
    }
    const answers = await strict.sim.waitFor(() => {
      const parsed = strict.sim.lines.map((line) => JSON.parse(line) as { id?: string; error?: { data?: string } });
      const found = literals.map((literal) => parsed.find((answer) => answer.id === `raw ${literal}`));
      return found.every(Boolean) ? found : undefined;
    });
    expect(answers.slice(0, 3).map((answer) => answer?.error?.data)).toEqual([
      "limit must be an integer",
      "limit must be an integer",
      "limit must be an integer",
    ]);
    expect(answers[3]).toMatchObject({ result: { chats: [{ id: 2 }] } });
  });

  it("refuses anything but true/false for a boolean", async () => {
    for (const value of [0, 1, "true", "false", "yes"]) {
      await strict.expectInvalid(
        "messages.history",
        { chat_id: 2, attachments: value },
        "attachments must be a boolean",
      );
    }
    await strict.expectInvalid("chats.list", { unreadOnly: 1 }, "unreadOnly must be a boolean");
  });

  it("refuses CSV strings and mixed arrays for string arrays, and non-objects for object arrays", async () => {
    await strict.expectInvalid(
      "messages.history",
      { chat_id: 2, participants: "a,b" },
      "participants must be an array of strings",
    );
    await strict.expectInvalid(
      "watch.subscribe",
      { participants: ["a", 2] },
      "participants must be an array of strings",
    );
    await strict.expectInvalid(
      "send",
      { to: "+15551234567", text: "x", formatting: "bold" },
      "formatting must be an array of objects",
    );
    await strict.expectInvalid("send.multipart", { chat_id: 1, parts: ["a"] }, "parts must be an array of objects");
  });

  it("wants exactly one chat selector, a positive chat_id and non-empty identifiers", async () => {
    const selector = "exactly one of chat_id, chat_identifier, or chat_guid is required";
    await strict.expectInvalid("send.rich", { text: "x" }, selector);
    await strict.expectInvalid("group.leave", { chat_id: 2, chat_identifier: "chat123456789012345678" }, selector);
    await strict.expectInvalid("chats.delete", { chat_id: -1 }, "chat_id must be a positive integer");
    await strict.expectInvalid("chats.markUnread", { chat_guid: "" }, "chat_guid must be a non-empty string");
    await strict.expectInvalid("group.leave", { chat_identifier: "" }, "chat_identifier must be a non-empty string");
    await strict.expectInvalid("watch.subscribe", { chat_id: 0 }, "chat_id must be a positive integer");
    await strict.expectInvalid("messages.after", { since_rowid: 0, chat_id: 0 }, "chat_id must be a positive integer");
  });

  it("wants to or one chat selector for send, typing and read", async () => {
    await strict.expectInvalid(
      "read",
      { to: "+15551234567", chat_guid: "g" },
      "use to or exactly one chat selector; not both",
    );
    await strict.expectInvalid("typing", { to: "" }, "to must be a non-empty string");
    await strict.expectInvalid("read", {}, "exactly one of chat_id, chat_identifier, or chat_guid is required");
  });

  it("checks every range with its own text", async () => {
    await strict.expectInvalid("chats.list", { limit: 0 }, "limit must be a positive integer");
    await strict.expectInvalid("messages.scheduled", { limit: -3 }, "limit must be a positive integer");
    await strict.expectInvalid("messages.search", { query: "x", limit: 101 }, "limit must be between 1 and 100");
    await strict.expectInvalid("messages.search", { query: "x", limit: 0 }, "limit must be between 1 and 100");
    await strict.expectInvalid(
      "messages.after",
      { since_rowid: 0, limit: 501 },
      "limit must be an integer between 1 and 500",
    );
    for (const limit of [0, 4097]) {
      await strict.expectInvalid(
        "watch.subscribe",
        { buffer_limit: limit },
        "buffer_limit must be an integer between 1 and 4096",
      );
    }
    await strict.expectInvalid(
      "bridge.events.subscribe",
      { buffer_limit: 5000 },
      "buffer_limit must be an integer between 1 and 4096",
    );
    const parts = (count: number) => Array.from({ length: count }, (_, index) => ({ text: `part ${index}` }));
    for (const count of [0, 21]) {
      await strict.expectInvalid(
        "send.multipart",
        { chat_id: 1, parts: parts(count) },
        "parts must contain between 1 and 20 text parts",
      );
    }
    await strict.expectInvalid("watch.subscribe", { debounce_ms: -1 }, "debounce_ms must be a non-negative integer");
  });

  it("wants ISO-8601 dates with a zone, and answers a bad one -32602", async () => {
    await strict.expectInvalid(
      "messages.history",
      { chat_id: 2, start: "2026-05-01" },
      "Invalid ISO8601 date: 2026-05-01",
    );
    await strict.expectInvalid(
      "watch.subscribe",
      { end: "2026-05-01T12:00:00" },
      "Invalid ISO8601 date: 2026-05-01T12:00:00",
    );
    const zoned = await strict.request("messages.history", { chat_id: 2, start: "2026-05-01T12:05:00Z" });
    expect(zoned.error).toBeUndefined();
  });

  it("validates send.sticker by hand: null counts as present, identifiers are 'nonempty', no partIndex", async () => {
    const selector = "exactly one of chat_id, chat_identifier, or chat_guid is required";
    await strict.expectInvalid("send.sticker", { chat_id: null, chat_guid: "g", file: "/s.png" }, selector);
    await strict.expectInvalid("send.sticker", { file: "/s.png" }, selector);
    await strict.expectInvalid("send.sticker", { chat_id: null, file: "/s.png" }, "chat_id must be a positive integer");
    await strict.expectInvalid(
      "send.sticker",
      { chat_guid: " ", file: "/s.png" },
      "chat_guid must be a nonempty string",
    );
    await strict.expectInvalid(
      "send.sticker",
      { chat_identifier: 5, file: "/s.png" },
      "chat_identifier must be a nonempty string",
    );
    await strict.expectInvalid("send.sticker", { chat_id: 1, partIndex: 0 }, "unknown send.sticker param: partIndex");
    await strict.expectInvalid("send.sticker", { chat_id: 1 }, "file is required");
    await strict.expectInvalid(
      "send.sticker",
      { chat_id: 1, file: "/s.png", attach_to: 7 },
      "attach_to must be a string",
    );
    await strict.expectInvalid(
      "send.sticker",
      { chat_id: 1, file: "/s.png", attach_to: "G", part_index: "0" },
      "part_index must be an integer",
    );
  });

  it("passes valid params through to the method", async () => {
    const listed = await strict.request("chats.list", { limit: 1, unread_only: false });
    expect(listed.result?.chats).toHaveLength(1);
    const history = await strict.request("messages.history", {
      chat_id: 2,
      limit: 2,
      participants: [],
      attachments: true,
    });
    expect(history.result?.messages).toHaveLength(2);
  });
});

describe("0.13's lenient parser with object-only params for messages.stats and messages.scheduled", {
  tags: ["slow"],
}, () => {
  let lenient: StrictSim;

  beforeAll(() => {
    lenient = new StrictSim("0.13.0");
  });
  afterAll(async () => {
    await lenient.close();
  });

  it("refuses non-object params for those two methods only", async () => {
    await lenient.expectInvalid("messages.stats", [], "messages.stats params must be an object");
    await lenient.expectInvalid("messages.scheduled", "soon", "messages.scheduled params must be an object");
    const list = await lenient.request("chats.list", []);
    expect(list.result?.chats).toHaveLength(2);
  });

  it("is replaced on 0.14+ by the general non-object params answer for every method", async () => {
    const strict = new StrictSim("0.14.0");
    try {
      await strict.expectInvalid("messages.stats", [], "params must be an object when present");
    } finally {
      await strict.close();
    }
  });

  it("still coerces and ignores unknown keys elsewhere", async () => {
    const list = await lenient.request("chats.list", { limit: "1", chatId: 9 });
    expect(list.result?.chats).toHaveLength(1);
  });
});
