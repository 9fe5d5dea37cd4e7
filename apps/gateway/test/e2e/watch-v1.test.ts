// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { renameSync, rmSync } from "node:fs";
import { createChatDb, injectTogether, readRequestLog } from "@imessage-channel/imsg-sim";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

// The live stream of imsg 0.14+ (docs/imsg-protocol.md#watch-on-010): rows carry `cursor`, link previews fold into
// their text row, and events go out in the order their last physical row completes.
const friend = "+15555550123";
const neighbour = "+15555550124";
const open = { dmPolicy: "open", allowFrom: ["*"] };
const link = "https://example.com/a";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const turnTexts = (world: GatewayHarness) => world.turns().map((turn) => String(turn.text));

/** Every one of `rows` was settled and answered: the agent got each text once, and one echo went out for each. */
async function expectEachAnsweredOnce(
  world: GatewayHarness,
  rows: Array<{ guid: string; text: string }>,
): Promise<void> {
  await world.waitSettled(
    rows.map((row) => row.guid),
    "every row",
    30_000,
  );
  await world.waitForSent((sent) => sent.length >= rows.length, "a reply to every row", 30_000);
  const texts = rows.map((row) => row.text).sort();
  expect(turnTexts(world).sort()).toEqual(texts);
  expect(
    world
      .sentRows()
      .map((row) => row.text)
      .sort(),
  ).toEqual(texts.map((text) => `echo: ${text}`).sort());
}

describe("gateway end to end: imsg 0.15's stream and lanes", () => {
  it("resumes from the cursor, not the id: a link send streamed after another chat's row is not lost when imsg dies in between, and its preview never comes back as a turn", async () => {
    harness = await GatewayHarness.create({ channel: open, imsgVersion: "0.15.10" });
    // The first imsg child dies right after its first notification: the row of the other chat, whose cursor still
    // stands below the link send that imsg emits after it.
    await harness.queueFaults(["--fault-exit-after-notifications", "1"]);
    await harness.start();
    const [text, other] = injectTogether(harness.dbPath, [
      { from: friend, text: `look ${link}` },
      { from: neighbour, text: "meanwhile" },
      { from: friend, text: link, urlBalloon: true },
    ]);
    await harness.waitSettled([text!.guid, other!.guid], "the link send and the other chat's row");
    expect(turnTexts(harness).sort()).toEqual(["meanwhile", `look ${link}`].sort());

    // Saved where imsg's cursor stood (past the folded preview row): a restart neither loses nor splits the pair.
    expect(await harness.stop("SIGTERM")).toBe(0);
    await harness.start();
    harness.inject({ from: friend, text: "after the restart" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "echo: after the restart"), "the last reply");
    expect(turnTexts(harness).sort()).toEqual(["after the restart", "meanwhile", `look ${link}`].sort());
  });

  it("reads what an overflowed stream dropped with messages.after and resubscribes after it: every row answered once, no wait for the liveness check", async () => {
    // Each subscription takes 5 rows; the 6th overflows it (as a full buffer_limit queue would).
    harness = await GatewayHarness.create({
      channel: open,
      imsgVersion: "0.15.10",
      simArgs: ["--fault-watch-overflow-after", "5"],
    });
    const requestLog = await harness.requestLogPath();
    await harness.start([], { IMSG_SIM_REQUEST_LOG: requestLog });
    const senders = ["+15555550131", "+15555550132", "+15555550133", "+15555550134"];
    const rows = Array.from({ length: 40 }, (_, index) => {
      const text = `burst ${index}`;
      return { text, guid: harness!.inject({ from: senders[index % senders.length]!, text }).guid };
    });
    await expectEachAnsweredOnce(harness, rows);
    const requests = readRequestLog(requestLog).flatMap((record) => (record.kind === "rpc" ? [record] : []));
    const subscribes = requests.filter((request) => request.method === "watch.subscribe");
    expect(subscribes.length).toBeGreaterThan(1);
    expect(subscribes[0]?.params).toMatchObject({ buffer_limit: 1024 });
    expect(requests.filter((request) => request.method === "messages.after").length).toBeGreaterThan(0);
    expect(harness.logs.some((line) => line.includes("imsg's watch queue overflowed; read"))).toBe(true);
    expect(harness.logs.some((line) => line.includes("stream is behind the database"))).toBe(false);
  });

  it("answers each row once when imsg delivers the last rows again after a reconnect (at-least-once)", async () => {
    harness = await GatewayHarness.create({
      channel: open,
      imsgVersion: "0.15.10",
      simArgs: ["--fault-redeliver-last", "3"],
    });
    await harness.start();
    const before = ["one", "two", "three"].map((text) => harness!.inject({ from: friend, text }));
    await harness.waitSettled(
      before.map((row) => row.guid),
      "the rows before the kill",
    );
    // The child dies; the new subscription starts 3 rows before the cursor, so those come again.
    const mark = harness.logs.length;
    process.kill((await harness.imsgPid())!, "SIGKILL");
    await harness.waitForLog(/imsg stream connected|imsg connected/, 15_000, mark);
    harness.inject({ from: friend, text: "four" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "echo: four"), "the reply to four", 20_000);
    expect(harness.sentRows().map((row) => row.text)).toEqual(["echo: one", "echo: two", "echo: three", "echo: four"]);
    expect(turnTexts(harness)).toEqual(["one", "two", "three", "four"]);
  });

  it("answers every row once when imsg answers its reads out of order and refuses some requests as busy", async () => {
    harness = await GatewayHarness.create({
      channel: open,
      imsgVersion: "0.15.10",
      simArgs: ["--fault-read-order", "reverse", "--fault-busy-after", "6", "--fault-busy-count", "3"],
    });
    await harness.start();
    const senders = ["+15555550141", "+15555550142", "+15555550143"];
    const rows = Array.from({ length: 9 }, (_, index) => {
      const text = `row ${index}`;
      return { text, guid: harness!.inject({ from: senders[index % senders.length]!, text }).guid };
    });
    await expectEachAnsweredOnce(harness, rows);
    expect(harness.logs.filter((line) => line.includes("imsg was busy; trying the request again"))).toHaveLength(3);
  });

  it("starts over when chat.db is replaced under it (a restore): the new database's rows are answered, none twice", async () => {
    harness = await GatewayHarness.create({ channel: open, imsgVersion: "0.15.10" });
    await harness.start();
    for (const text of ["one", "two", "three"]) {
      harness.inject({ from: friend, text });
      await harness.waitForSent((rows) => rows.some((row) => row.text === `echo: ${text}`), `the reply to ${text}`);
    }
    // A fresh chat.db takes the old one's place: its rowids start at 1, far below the gateway's cursor.
    const replacement = `${harness.dbPath}.restored`;
    createChatDb(replacement);
    for (const suffix of ["-wal", "-shm"]) rmSync(`${harness.dbPath}${suffix}`, { force: true });
    renameSync(replacement, harness.dbPath);
    const mark = harness.logs.length;
    const after = harness.inject({ from: friend, text: "after the swap" });
    await harness.waitForLog(/the Messages database was replaced/, 30_000, mark);
    await harness.waitSettled([after.guid], "the first row of the new database", 20_000);
    expect(await harness.stop("SIGTERM")).toBe(0);
    await harness.start();
    harness.inject({ from: friend, text: "after the restart" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "echo: after the restart"), "the last reply");
    expect(harness.sentRows().map((row) => row.text)).toEqual(["echo: after the swap", "echo: after the restart"]);
    expect(turnTexts(harness)).toEqual(["one", "two", "three", "after the swap", "after the restart"]);
  }, 90_000);
});
