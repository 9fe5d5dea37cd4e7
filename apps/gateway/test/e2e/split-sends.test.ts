// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { simBinPath } from "@imessage-channel/imsg-sim";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };
const url = "https://example.com/article";
const run = promisify(execFile);

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** Apple's split send through the simulator's CLI: the text row, then `gapMs` later the URL-balloon row. */
async function splitSend(current: GatewayHarness, text: string, gapMs = 1000) {
  const { stdout } = await run(process.execPath, [
    simBinPath,
    "inject",
    "--db",
    current.dbPath,
    "--home",
    current.home,
    "--from",
    friend,
    "--split",
    "--text",
    text,
    "--url",
    url,
    "--gap-ms",
    String(gapMs),
  ]);
  const [textRow, previewRow] = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { rowid: number; guid: string });
  return { textRow: textRow!, previewRow: previewRow! };
}

/** How often the link occurs in a text. */
const linkCount = (text: unknown) => String(text).split(url).length - 1;

/**
 * Proves nothing else is coming for the split send: a later message is answered, and by then every row before it
 * (the preview row included) was streamed and decided.
 */
async function nextMessageAnswered(current: GatewayHarness, replies: number) {
  current.inject({ from: friend, text: "next" });
  await current.waitForSent(
    (rows) => rows.some((row) => row.text === "echo: next"),
    "the next message answered",
    15_000,
  );
  expect(current.sentRows()).toHaveLength(replies);
}

async function gateway(options: { coalesce: boolean; imsgVersion: string; simArgs?: string[] }) {
  const created = await GatewayHarness.create({
    channel: { ...open, coalesceSameSenderDms: options.coalesce },
    simArgs: ["--imsg-version", options.imsgVersion, ...(options.simArgs ?? [])],
  });
  harness = created;
  await created.start();
  return created;
}

describe("Apple's split link send reaches the agent as one turn with the URL once", () => {
  it.each([false, true])(
    "imsg 0.15.10 folds it (coalesceSameSenderDms %s): one turn, the link and its preview",
    async (coalesce) => {
      const current = await gateway({ coalesce, imsgVersion: "0.15.10" });
      const { textRow, previewRow } = await splitSend(current, `read this ${url}`);
      await current.waitForSent((rows) => rows.length === 1, "the answer to the link", 15_000);
      await nextMessageAnswered(current, 2);
      const [turn, next] = current.turns();
      expect(current.turns()).toHaveLength(2);
      expect(linkCount(turn?.text)).toBe(1);
      expect(turn).toMatchObject({
        text: `read this ${url}`,
        coalescedMessageGuids: [textRow.guid],
        urlPreviews: [{ url, messageGuid: textRow.guid }],
      });
      expect(next?.text).toBe("next");
      // The folded preview row is on record as delivered: should it stream again on its own, it is a duplicate.
      await current.waitSettled([textRow.guid, previewRow.guid], "the text row and its folded preview committed");
    },
    40_000,
  );

  it("imsg 0.9.0 streams two rows and our coalescer merges them: one turn, the URL once", async () => {
    const current = await gateway({ coalesce: true, imsgVersion: "0.9.0" });
    const { textRow, previewRow } = await splitSend(current, `read this ${url}`);
    await current.waitForSent((rows) => rows.length === 1, "the answer to the link", 15_000);
    await nextMessageAnswered(current, 2);
    const [turn] = current.turns();
    expect(current.turns()).toHaveLength(2);
    expect(turn).toMatchObject({ text: `read this ${url}`, coalescedMessageGuids: [textRow.guid, previewRow.guid] });
    expect(turn).not.toHaveProperty("urlPreviews");
  }, 40_000);

  it.each([false, true])(
    "imsg 0.15.10, a preview after the 2 s hold (coalesceSameSenderDms %s): still one turn",
    async (coalesce) => {
      const current = await gateway({ coalesce, imsgVersion: "0.15.10" });
      // 3 s: imsg has streamed the text row alone by then, and streams the preview row on its own.
      const { previewRow } = await splitSend(current, `read this ${url}`, 3000);
      await current.waitSettled([previewRow.guid], "the late preview row decided", 20_000);
      await nextMessageAnswered(current, 2);
      expect(current.turns().map((turn) => turn.text)).toEqual([`read this ${url}`, "next"]);
      expect(current.logs.some((line) => line.includes(`row ${previewRow.rowid} is a late URL preview`))).toBe(true);
    },
    40_000,
  );

  it("imsg 0.15.10, the pair comes back split after a restart: the preview row is no second turn", async () => {
    const current = await gateway({ coalesce: false, imsgVersion: "0.15.10" });
    current.inject({ from: friend, text: "before" });
    await current.waitForSent((rows) => rows.length === 1, "the first answer", 15_000);
    const { textRow, previewRow } = await splitSend(current, `read this ${url}`);
    // The folded preview row is committed with its text row, so the journal knows it after a restart.
    await current.waitSettled([textRow.guid, previewRow.guid], "the folded pair committed", 20_000);
    await current.waitForSent((rows) => rows.length === 2, "the answer to the link", 15_000);
    expect(await current.stop("SIGTERM")).toBe(0);

    // A resume point between the two physical rows (the text row's id: imsg keeps the text row's id for the pair)
    // streams the preview row on its own.
    await current.start();
    await nextMessageAnswered(current, 3);
    expect(current.turns().map((turn) => turn.text)).toEqual(["before", `read this ${url}`, "next"]);
  }, 60_000);
});

describe("the fields imsg added after 0.9.0 reach the agent's turn", () => {
  it("imsg 0.15.10: reply context, the link preview and the read state", async () => {
    const current = await gateway({ coalesce: false, imsgVersion: "0.15.10" });
    const parent = current.inject({ from: friend, text: "what should I read?" });
    await current.waitForSent((rows) => rows.length === 1, "the first answer", 15_000);
    const { textRow } = await splitSend(current, `read this ${url}`);
    await current.waitForSent((rows) => rows.length === 2, "the answer to the link", 15_000);
    const reply = current.inject({ from: friend, text: "that one", replyTo: parent.guid });
    await current.waitForSent((rows) => rows.length === 3, "the answer to the reply", 15_000);
    const [first, link, threaded] = current.turns();
    expect(first).toMatchObject({ isRead: false });
    expect(link).toMatchObject({ urlPreviews: [{ url, messageGuid: textRow.guid }], isRead: false });
    expect(threaded).toMatchObject({
      messageIds: [expect.objectContaining({ guid: reply.guid })],
      replyToGuid: parent.guid,
      replyToText: "what should I read?",
      replyToSender: friend,
    });
  }, 40_000);

  it("imsg 0.9.0: the reply context it has, and none of the newer fields (absent, not null)", async () => {
    const current = await gateway({ coalesce: false, imsgVersion: "0.9.0" });
    const parent = current.inject({ from: friend, text: "what should I read?" });
    await current.waitForSent((rows) => rows.length === 1, "the first answer", 15_000);
    current.inject({ from: friend, text: "that one", replyTo: parent.guid });
    await current.waitForSent((rows) => rows.length === 2, "the answer to the reply", 15_000);
    const [first, threaded] = current.turns();
    expect(threaded).toMatchObject({ replyToText: "what should I read?", replyToSender: friend });
    for (const key of ["urlPreviews", "isRead", "dateRead"]) expect(first).not.toHaveProperty(key);
    expect(Object.values(first ?? {})).not.toContain(null);
  }, 40_000);
});
