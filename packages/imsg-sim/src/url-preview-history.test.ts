// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { openChatDbForWriting } from "./chat-db-schema.ts";
import { insertMessage, inTransaction } from "./inject.ts";
import { simBinPath } from "./sim-bin-path.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const run = promisify(execFile);
const url = "https://example.com/article";

describe("URL previews in messages.history and inject --split", () => {
  let db: TempChatDb;
  let sim: SimProcess | undefined;

  afterEach(() => {
    sim?.kill();
    sim = undefined;
    db.remove();
  });

  async function history(version: string): Promise<Record<string, unknown>[]> {
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", version] });
    const { messages } = (await sim.call("messages.history", { chat_id: 1, limit: 10 })) as {
      messages: Record<string, unknown>[];
    };
    return messages;
  }

  it("writes a split send from the command line: the text row, then the balloon row about --gap-ms later", async () => {
    db = exampleChatDb();
    const started = Date.now();
    const { stdout } = await run(process.execPath, [
      simBinPath,
      ...["inject", "--db", db.dbPath, "--from", "+15551234567", "--split", "--text", `see ${url}`, "--url", url],
      ...["--gap-ms", "400"],
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    const written = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { rowid: number; chat_id: number });
    expect(written.map((row) => [row.rowid, row.chat_id])).toEqual([
      [8, 1],
      [9, 1],
    ]);
    const newest = await history("0.15.10");
    expect(newest[0]).toMatchObject({ id: 8, text: `see ${url}`, url_preview: { id: 9 } });
    sim!.kill();
    const old = await history("0.9.0");
    expect(old.slice(0, 2).map((message) => [message.id, message.text])).toEqual([
      [9, url],
      [8, `see ${url}`],
    ]);
    expect(old[0]).not.toHaveProperty("balloon_bundle_id");
  });

  it("folds a preview that targets its text row's guid, appending the URL Apple left out of the text", async () => {
    db = exampleChatDb();
    const database = openChatDbForWriting(db.dbPath);
    const [text, preview] = inTransaction(database, () => {
      const textRow = insertMessage(database, { from: "+15551234567", text: "have a look" });
      const previewRow = insertMessage(database, { from: "+15551234567", text: url, urlBalloon: true });
      database
        .prepare("UPDATE message SET associated_message_guid = ? WHERE ROWID = ?")
        .run(`p:0/${textRow.guid}`, previewRow.rowid);
      return [textRow, previewRow];
    });
    database.close();
    const [newest] = await history("0.15.10");
    expect(newest).toMatchObject({
      id: text!.rowid,
      text: `have a look ${url}`,
      url_preview: { id: preview!.rowid, guid: preview!.guid },
    });
  });

  it.each([
    ["0.13.0", 1],
    ["0.12.0", 2],
  ])("on %s folds two consecutive previews of one text row into %i message(s)", async (version, count) => {
    db = exampleChatDb();
    const database = openChatDbForWriting(db.dbPath);
    inTransaction(database, () => {
      insertMessage(database, { from: "+15551234567", text: `two links ${url} and ${url}/more` });
      insertMessage(database, { from: "+15551234567", text: url, urlBalloon: true });
      insertMessage(database, { from: "+15551234567", text: `${url}/more`, urlBalloon: true });
    });
    database.close();
    const messages = (await history(version)).filter((message) => (message.id as number) > 7);
    expect(messages).toHaveLength(count);
    expect(messages.at(-1)).toMatchObject({ id: 8, url_preview: { id: count === 1 ? 10 : 9 } });
  });
});
