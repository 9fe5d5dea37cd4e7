// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "./inject.ts";
import { parseErrorText } from "./request-parser.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

type Line = Record<string, unknown>;

/** A sim and the way to read "the next line it writes after this one". */
function framingSim(version: string): {
  sim: () => SimProcess;
  db: () => TempChatDb;
  answer: (line: string) => Promise<Line>;
} {
  let db: TempChatDb;
  let sim: SimProcess;
  let marker = 0;
  beforeAll(() => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", version] });
  });
  afterAll(async () => {
    await sim.close();
    db.remove();
  });
  /**
   * Writes the line, then a marker request on the control lane; resolves with the line's answer once the marker's
   * arrived, or with the marker's answer when the line got none.
   */
  async function answer(line: string): Promise<Line> {
    const before = sim.lines.length;
    marker += 1;
    const id = `marker-${marker}`;
    sim.writeLine(line);
    sim.writeLine(JSON.stringify({ jsonrpc: "2.0", id, method: "watch.unsubscribe", params: { subscription: 1 } }));
    await sim.waitFor(() => sim.lines.slice(before).some((written) => JSON.parse(written).id === id));
    const written = sim.lines.slice(before).map((text) => JSON.parse(text) as Line);
    return written.find((line) => line.id !== id) ?? written[0]!;
  }
  return { sim: () => sim, db: () => db, answer };
}

function invalidRequest(id: unknown, data: string): Line {
  return { jsonrpc: "2.0", id, error: { code: -32600, message: "Invalid Request", data } };
}

describe("0.14+ strict request validation, step by step (docs/imsg-protocol.md, Strict framing)", {
  tags: ["slow"],
}, () => {
  const { sim, db, answer } = framingSim("0.15.10");

  it("step 2: a line that is not JSON is -32700 with id null", async () => {
    expect(await answer("{not json")).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32700, message: "Parse error", data: parseErrorText },
    });
  });

  it("step 3: a batch or a scalar is -32600 request must be an object, id null", async () => {
    for (const line of ['[{"jsonrpc":"2.0","id":1,"method":"chats.list"}]', "42", '"text"', "null"]) {
      expect(await answer(line)).toEqual(invalidRequest(null, "request must be an object"));
    }
  });

  it("step 4: a boolean, object or array id is -32600 with id null, before the jsonrpc and method checks", async () => {
    for (const id of [true, { n: 1 }, [1]]) {
      expect(await answer(JSON.stringify({ jsonrpc: "2.0", id, method: "chats.list" }))).toEqual(
        invalidRequest(null, "id must be a string, number, or null"),
      );
    }
    expect(await answer('{"id":false}')).toEqual(invalidRequest(null, "id must be a string, number, or null"));
  });

  it("step 5: jsonrpc missing, a number or not exactly 2.0 is -32600 with the id echoed, null without one", async () => {
    expect(await answer('{"id":5,"method":"chats.list"}')).toEqual(invalidRequest(5, "jsonrpc must be exactly 2.0"));
    expect(await answer('{"jsonrpc":2.0,"id":"a","method":"chats.list"}')).toEqual(
      invalidRequest("a", "jsonrpc must be exactly 2.0"),
    );
    expect(await answer('{"jsonrpc":"1.0","id":6}')).toEqual(invalidRequest(6, "jsonrpc must be exactly 2.0"));
    expect(await answer('{"method":"chats.list"}')).toEqual(invalidRequest(null, "jsonrpc must be exactly 2.0"));
  });

  it("step 6: a missing, empty or non-string method is -32600, answered even for a notification", async () => {
    expect(await answer('{"jsonrpc":"2.0","id":7}')).toEqual(invalidRequest(7, "method is required"));
    expect(await answer('{"jsonrpc":"2.0","id":8,"method":""}')).toEqual(invalidRequest(8, "method is required"));
    expect(await answer('{"jsonrpc":"2.0","id":9,"method":7}')).toEqual(invalidRequest(9, "method is required"));
    expect(await answer('{"jsonrpc":"2.0"}')).toEqual(invalidRequest(null, "method is required"));
  });

  it("step 7: params that are an array, null or a scalar are -32602, before the method is looked up", async () => {
    for (const params of ["[]", "null", "5", '"x"']) {
      expect(await answer(`{"jsonrpc":"2.0","id":10,"method":"no.such.method","params":${params}}`)).toEqual({
        jsonrpc: "2.0",
        id: 10,
        error: { code: -32602, message: "Invalid params", data: "params must be an object when present" },
      });
    }
  });

  it("step 8: an unknown method is -32601 with the method name as data", async () => {
    expect(await answer('{"jsonrpc":"2.0","id":11,"method":"no.such.method"}')).toEqual({
      jsonrpc: "2.0",
      id: 11,
      error: { code: -32601, message: "Method not found", data: "no.such.method" },
    });
  });

  it("answers nothing to a notification after step 6, errors included", async () => {
    const silent = [
      '{"jsonrpc":"2.0","method":"chats.list","params":null}',
      '{"jsonrpc":"2.0","method":"no.such.method"}',
      '{"jsonrpc":"2.0","method":"chats.list"}',
    ];
    for (const line of silent) expect((await answer(line)).id).toMatch(/^marker-/);
  });

  it("starts a subscription for a watch.subscribe notification without answering it", async () => {
    const before = sim().lines.length;
    sim().writeLine('{"jsonrpc":"2.0","method":"watch.subscribe","params":{"debounce_ms":0}}');
    const { subscription } = (await sim().call("watch.subscribe", { debounce_ms: 0 })) as { subscription: number };
    const unanswered = subscription - 1;
    inject(db().dbPath, { from: "+15551234567", text: "heard by both" });
    await sim().waitFor(() => sim().messagesOf(unanswered).length === 1 && sim().messagesOf(subscription).length === 1);
    const answers = sim()
      .lines.slice(before)
      .map((line) => JSON.parse(line) as Line)
      .filter((line) => "id" in line);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.result).toMatchObject({ subscription });
  });

  it('answers "id": null as a request, with id null', async () => {
    const before = sim().lines.length;
    sim().writeLine('{"jsonrpc":"2.0","id":null,"method":"chats.list","params":{"limit":1}}');
    const line = await sim().waitFor(() => sim().lines[before]);
    const response = JSON.parse(line) as Line;
    expect(response.id).toBeNull();
    expect(response.result).toHaveProperty("chats");
    expect(await answer('{"jsonrpc":"2.0","id":null,"method":"no.such.method"}')).toMatchObject({
      id: null,
      error: { code: -32601, data: "no.such.method" },
    });
  });
});

describe("the same lines under 0.9.0 get 0.9.0's lenient answers", () => {
  const { answer } = framingSim("0.9.0");

  it("accepts a missing or numeric jsonrpc and echoes a boolean, object or array id", async () => {
    expect((await answer('{"id":5,"method":"chats.list"}')).result).toHaveProperty("chats");
    expect((await answer('{"jsonrpc":2.0,"id":"a","method":"chats.list"}')).result).toHaveProperty("chats");
    for (const id of [true, { n: 1 }, [1]]) {
      const echoed = await answer(JSON.stringify({ jsonrpc: "2.0", id, method: "chats.list" }));
      expect(echoed.id).toEqual(id);
      expect(echoed.result).toHaveProperty("chats");
    }
  });

  it('answers "id": null as a request too', async () => {
    expect(await answer('{"jsonrpc":"2.0","id":null,"method":"no.such.method"}')).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32601, message: "Method not found", data: "no.such.method" },
    });
  });

  it("rejects only a jsonrpc string other than 2.0, with the old text", async () => {
    expect(await answer('{"jsonrpc":"1.0","id":6,"method":"chats.list"}')).toEqual(
      invalidRequest(6, "jsonrpc must be 2.0"),
    );
  });

  it("treats params that are not an object as {}", async () => {
    for (const params of ["[]", "null", "5"]) {
      const response = await answer(`{"jsonrpc":"2.0","id":10,"method":"chats.list","params":${params}}`);
      expect(response.result).toHaveProperty("chats");
    }
  });

  it("answers a failing notification with id null", async () => {
    expect(await answer('{"jsonrpc":"2.0","method":"no.such.method"}')).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32601, message: "Method not found", data: "no.such.method" },
    });
  });
});
