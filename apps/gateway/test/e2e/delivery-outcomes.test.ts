// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

// imsg 0.14+ says how far a failed send got (docs/imsg-protocol.md#typed-errors); the gateway resends only what
// imsg provably did not run, and never what it may have sent.
const friend = "+15555550123";
const apology = "Sorry, something went wrong on my side.";
const channel = { dmPolicy: "open", allowFrom: ["*"], errorReply: apology };

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

async function answered(world: GatewayHarness, text: string): Promise<void> {
  world.inject({ from: friend, text });
  await world.waitForSent((rows) => rows.some((row) => row.text === `echo: ${text}`), `the reply to "${text}"`, 20_000);
}

describe("gateway end to end: typed delivery outcomes of imsg 0.15", () => {
  it("sends a reply again that imsg refused before dispatch (not_started, retry_safe): one reply, no apology", async () => {
    harness = await GatewayHarness.create({
      channel,
      imsgVersion: "0.15.10",
      simArgs: ["--fault-mutation", "not_started:send@1"],
    });
    await harness.start();
    await answered(harness, "first");
    await answered(harness, "second");
    expect(harness.sentRows().map((row) => row.text)).toEqual(["echo: first", "echo: second"]);
    expect(harness.turns()).toHaveLength(2);
  });

  it("never sends again a reply imsg may have sent (may_have_completed): found in history, one reply, no apology", async () => {
    harness = await GatewayHarness.create({
      channel,
      imsgVersion: "0.15.10",
      simArgs: ["--fault-mutation", "may_have_completed:send@1"],
    });
    await harness.start();
    await answered(harness, "first");
    await answered(harness, "second");
    expect(harness.sentRows().map((row) => row.text)).toEqual(["echo: first", "echo: second"]);
  });

  it("restarts imsg after a send still in flight blocked its mutation lane: that reply once, the next ones go out", async () => {
    harness = await GatewayHarness.create({ channel, imsgVersion: "0.15.10" });
    // Only the first child: its first send stays in flight and blocks every later mutation until a restart.
    await harness.queueFaults(["--fault-mutation", "still_in_flight:send@1"]);
    await harness.start();
    const firstChild = await harness.imsgPid();
    const mark = harness.logs.length;
    await answered(harness, "first");
    await harness.waitForLog(/imsg blocked its mutation lane/, 10_000, mark);
    await answered(harness, "second");
    await answered(harness, "third");
    expect(harness.sentRows().map((row) => row.text)).toEqual(["echo: first", "echo: second", "echo: third"]);
    expect(await harness.imsgPid()).not.toBe(firstChild);
    expect(harness.turns()).toHaveLength(3);
  });
});

describe("gateway end to end: imsg 0.15 without its database", () => {
  it("reports -32002 as one line naming Full Disk Access and the database path, retries, and then answers what waited", async () => {
    harness = await GatewayHarness.create({ channel, imsgVersion: "0.15.10" });
    await harness.start();
    expect(await harness.stop("SIGTERM")).toBe(0);
    // The next child cannot open chat.db (Full Disk Access missing); the one after can, as after the operator's fix.
    await harness.queueFaults(["--fault-full-disk-access"]);
    const waiting = harness.inject({ from: friend, text: "sent before the fix" });
    await harness.start();
    const line = harness.logs.find((entry) => entry.includes("imsg cannot start; retrying later"));
    expect(JSON.parse(line ?? "{}").reason).toMatch(
      /^imsg cannot open the Messages database \(.*chat\.db\): grant Full Disk Access to the app that runs imsg on the Mac .*or fix the account's dbPath; retrying/,
    );
    expect(harness.logs.filter((entry) => entry.includes("imsg cannot start"))).toHaveLength(1);
    await harness.waitSettled([waiting.guid], "the row that waited for the database", 20_000);
    await answered(harness, "after the fix");
    expect(harness.sentRows().map((row) => row.text)).toEqual(["echo: sent before the fix", "echo: after the fix"]);
  });
});
