import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compileCheck } from "./compiled-check.ts";
import { fixtureLines, fixtureResult, fixtureText } from "./test-support/fixtures.ts";
import * as wireSchemas from "./wire-schemas.ts";

/** Recorded answers, and each with one field broken, for every schema they belong to. */
function recordedValues(): Array<[schemaName: string, value: unknown]> {
  const chats = fixtureResult<{ chats: unknown[] }>("chats-list.response.jsonl");
  const history = fixtureResult<{ messages: unknown[] }>("messages-history.response.jsonl");
  const notifications = fixtureLines("watch-replay.notifications.jsonl").map((line) => line.params);
  const values: Array<[string, unknown]> = [
    ["wireChatsListResultSchema", chats],
    ["wireMessagesHistoryResultSchema", history],
    ["wireSubscribeResultSchema", fixtureResult("watch-subscribe.response.jsonl")],
    ["wireStatusSchema", JSON.parse(fixtureText("status-bridge-up.json"))],
    ["wireStatusSchema", JSON.parse(fixtureText("status-0.6.0.json"))],
    ...chats.chats.map((chat): [string, unknown] => ["wireChatSchema", chat]),
    ...history.messages.map((message): [string, unknown] => ["wireMessageSchema", message]),
    ...notifications.map((params): [string, unknown] => ["wireValidMessageNotificationSchema", params]),
    ["wireOkResultSchema", { ok: true }],
    ["wireSendResultSchema", { ok: true, transport: "bridge", id: 42, guid: "G" }],
    ["wireMessagesAfterResultSchema", { messages: [], next_rowid: 7, has_more: false }],
  ];
  const broken = values.flatMap(([name, value]): Array<[string, unknown]> => {
    if (typeof value !== "object" || value === null) return [];
    return Object.keys(value).flatMap(
      (key): Array<[string, unknown]> => [
        [name, { ...value, [key]: null }],
        [name, { ...value, [key]: "1.5" }],
        [name, { ...value, [key]: 1.5 }],
      ],
    );
  });
  return [...values, ...broken, ...values.map(([name]): [string, unknown] => [name, []])];
}

describe("compileCheck", () => {
  it("compiles every wire schema and gives zod's verdict on recorded answers and broken copies of them", () => {
    const schemas = wireSchemas as unknown as Record<string, z.ZodType>;
    for (const [name, schema] of Object.entries(schemas)) {
      expect(() => compileCheck(schema, { hotAfter: 0 })({}), name).not.toThrow();
    }
    let accepted = 0;
    for (const [name, value] of recordedValues()) {
      const schema = schemas[name]!;
      const verdict = schema.safeParse(value).success;
      expect(compileCheck(schema, { hotAfter: 0 })(value), `${name}: ${JSON.stringify(value)}`).toBe(verdict);
      if (verdict) accepted += 1;
    }
    expect(accepted).toBeGreaterThan(20);
  });

  it("gives the same verdict before it is hot, when it answers with safeParse, and after it compiled", () => {
    const schema = z.object({ id: z.number().int(), name: z.string().optional() });
    const check = compileCheck(schema, { hotAfter: 3 });
    const values = [{ id: 1 }, { id: 1.5 }, { id: 2, name: "x" }, { id: 3, name: 4 }, { name: "y" }, { id: 2 ** 53 }];
    const verdicts = [...values, ...values].map((value) => check(value));
    expect(verdicts).toEqual([...values, ...values].map((value) => schema.safeParse(value).success));
    expect(verdicts.slice(0, 6)).toEqual([true, false, true, false, false, false]);
  });
});
