// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterEach, describe, expect, it } from "vitest";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

let db: TempChatDb | undefined;
let sim: SimProcess | undefined;

afterEach(async () => {
  await sim?.close();
  db?.remove();
  sim = undefined;
  db = undefined;
});

function start(version: string): SimProcess {
  db = exampleChatDb();
  sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", version] });
  return sim;
}

describe("caller-caused failures (docs/imsg-protocol.md, Typed errors)", () => {
  it("answers an invalid ISO date -32602 from 0.14", async () => {
    const process = start("0.15.10");
    expect((await process.request("messages.history", { chat_id: 1, start: "yesterday" })).error).toEqual({
      code: -32602,
      message: "Invalid params",
      data: "Invalid ISO8601 date: yesterday",
    });
  });

  it("and -32603 up to 0.13", async () => {
    const process = start("0.13.0");
    expect((await process.request("messages.history", { chat_id: 1, start: "yesterday" })).error).toEqual({
      code: -32603,
      message: "Internal error",
      data: "Invalid ISO8601 date: yesterday",
    });
  });
});
