// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import JSON5 from "json5";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness, gatewayBinPath } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

describe("gateway end to end: turns and replies", () => {
  it("coalescing on: Apple's split send reaches the agent as one turn", async () => {
    harness = await GatewayHarness.create({ channel: { ...open, coalesceSameSenderDms: true } });
    await harness.start();
    const first = harness.inject({ from: friend, text: "Dump" });
    const second = harness.inject({ from: friend, text: "https://example.com/article", urlBalloon: true });
    await harness.waitForSent((rows) => rows.length === 1, "one reply");
    expect(harness.turns()).toEqual([
      expect.objectContaining({
        text: "Dump https://example.com/article",
        coalescedMessageGuids: [first.guid, second.guid],
      }),
    ]);
  });

  it("coalescing off (default): each row is its own turn", async () => {
    harness = await GatewayHarness.create({ channel: open });
    await harness.start();
    harness.inject({ from: friend, text: "Dump" });
    harness.inject({ from: friend, text: "https://example.com/article", urlBalloon: true });
    await harness.waitForSent((rows) => rows.length === 2, "two replies");
    expect(harness.turns().map((turn) => turn.text)).toEqual(["Dump", "https://example.com/article"]);
  });

  it("chunks a long reply in length mode within textChunkLimit, content intact", async () => {
    harness = await GatewayHarness.create({ channel: { ...open, textChunkLimit: 60 } });
    await harness.start();
    const text = Array.from({ length: 12 }, (_, index) => `word${index} is here`).join(" ");
    harness.inject({ from: friend, text });
    const rows = await harness.waitForSent(
      (sent) => sent.map((row) => row.text).join(" ") === `echo: ${text}`,
      "every chunk",
    );
    expect(rows.length).toBeGreaterThan(2);
    expect(rows.every((row) => [...row.text].length <= 60)).toBe(true);
  });

  it("treats a chat listed under groups as a group even when imsg says is_group=false", async () => {
    harness = await GatewayHarness.create({ channel: open });
    const seeded = harness.inject({ from: friend, text: "setup" });
    await harness.writeConfig({
      channel: { ...open, groupPolicy: "open", groups: { [String(seeded.chatId)]: { requireMention: false } } },
    });
    await harness.start();
    harness.inject({ from: friend, text: "groupish" });
    await harness.waitForSent((rows) => rows.length === 1, "the reply");
    expect(harness.turns()[0]).toMatchObject({
      sessionKey: `agent:main:imessage:group:${seeded.chatId}`,
      chat: { isGroup: true },
    });
  });

  it("drops live rows older than maxInboundAgeMinutes (iCloud backlog) with a stale reason", async () => {
    harness = await GatewayHarness.create({ channel: open });
    await harness.start();
    harness.inject({ from: friend, text: "from last week", date: new Date(Date.now() - 7 * 24 * 3600_000) });
    harness.inject({ from: friend, text: "fresh" });
    await harness.waitForSent((rows) => rows.length === 1, "the fresh reply");
    await harness.waitForLog(/"reason":"stale"/);
    expect(harness.turns().map((turn) => turn.text)).toEqual(["fresh"]);
  });

  it("refuses a second account on the same database", async () => {
    harness = await GatewayHarness.create();
    await harness.writeConfig({
      channel: { ...open, accounts: { first: {}, second: {} } },
    });
    await harness.start();
    await harness.waitForLog(/account second reads the same database as account first/);
    harness.inject({ from: friend, text: "once" });
    await harness.waitForSent((rows) => rows.length === 1, "one reply");
    expect(harness.turns()).toHaveLength(1);
  });

  it("/config set from an owner writes the file when commands.config is on", async () => {
    harness = await GatewayHarness.create();
    await harness.writeConfig({
      channel: { dmPolicy: "allowlist", allowFrom: [friend] },
      config: { commands: { config: true, ownerAllowFrom: [friend] } },
    });
    await harness.start();
    harness.inject({ from: friend, text: "/config set channels.imessage.textChunkLimit 1200" });
    const rows = await harness.waitForSent((sent) => sent.length === 1, "the answer");
    expect(rows[0]?.text).toMatch(/^Set channels\.imessage\.textChunkLimit/);
    // Edited in place: the harness's JSON file stays JSON, with only that member added.
    const written = await readFile(harness.configPath, "utf8");
    expect(JSON5.parse(written).channels.imessage.textChunkLimit).toBe(1200);
    expect(written).toMatch(/"textChunkLimit": 1200/);
  });

  it("npm run demo -- --script: the built-in conversation completes", async () => {
    const child = spawn(
      process.execPath,
      [gatewayBinPath, "demo", "--script", "--imsg-version", process.env.IMSG_SIM_VERSION ?? "0.15.10"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(output).toContain("every expected reply arrived");
    expect(code).toBe(0);
  });
});
