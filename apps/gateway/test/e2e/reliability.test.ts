// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { setTimeout as sleep } from "node:timers/promises";
import { sendJson, waitFor } from "@imessage-channel/agents/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentHandler, GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

function imsgPid(harness: GatewayHarness, after = 0): number {
  const lines = harness.logs.slice(after).filter((line) => line.includes("imsg stream connected"));
  const pid = /\(pid (\d+)\)/.exec(lines.at(-1) ?? "")?.[1];
  if (!pid) throw new Error("no imsg pid in the gateway log");
  return Number(pid);
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

describe("gateway end to end: nothing lost, nothing doubled", () => {
  it("survives kill -9 of the imsg child mid-stream: every row answered exactly once", async () => {
    harness = await GatewayHarness.create({ channel: open });
    await harness.start();
    const texts = Array.from({ length: 12 }, (_, index) => `message ${index + 1}`);
    for (const text of texts.slice(0, 4)) harness.inject({ from: friend, text });
    await harness.waitForSent((rows) => rows.length >= 4, "the first replies");

    const logMark = harness.logs.length;
    process.kill(imsgPid(harness), "SIGKILL");
    // Rows written while the child is dead or restarting must be streamed after the restart.
    for (const text of texts.slice(4, 8)) harness.inject({ from: friend, text });
    await waitFor(
      "the restarted stream",
      () => harness?.logs.slice(logMark).some((line) => line.includes("imsg stream connected")),
      15_000,
    );
    for (const text of texts.slice(8)) harness.inject({ from: friend, text });

    await harness.waitForSent((rows) => rows.length >= texts.length, "a reply to every row", 20_000);
    await sleep(300);
    const turns = countBy(harness.turns().map((turn) => String(turn.text)));
    expect([...turns.keys()].sort()).toEqual([...texts].sort());
    expect([...turns.values()].every((count) => count === 1)).toBe(true);
    expect(harness.sentRows()).toHaveLength(texts.length);
  });

  it("skips malformed and oversized lines from imsg and keeps streaming", async () => {
    harness = await GatewayHarness.create({
      channel: open,
      simArgs: ["--fault-malformed-line-after", "1", "--fault-oversized-line-after", "2"],
    });
    await harness.start();
    harness.inject({ from: friend, text: "still works" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "echo: still works"), "the reply");
    expect(harness.logs.some((line) => line.includes("deliberately not JSON") || line.includes("not JSON"))).toBe(true);
  });

  it("finishes a turn in flight on SIGTERM: the reply is still sent, then the gateway exits 0", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowAgent: AgentHandler = async (turn, response) => {
      await gate;
      sendJson(response, 200, { text: `late: ${String(turn.text)}` });
    };
    harness = await GatewayHarness.create({ channel: open, agent: slowAgent });
    await harness.start();
    harness.inject({ from: friend, text: "take your time" });
    await waitFor("the turn to reach the agent", () => (harness?.agent.requests.length ?? 0) > 0);
    const stopped = harness.stop("SIGTERM");
    await sleep(200);
    release();
    expect(await stopped).toBe(0);
    expect(harness.sentRows().map((row) => row.text)).toEqual(["late: take your time"]);
  });

  it("restarts cleanly: what was answered before is not answered again, new rows are", async () => {
    harness = await GatewayHarness.create({ channel: open });
    await harness.start();
    harness.inject({ from: friend, text: "before restart" });
    await harness.waitForSent((rows) => rows.length === 1, "the first reply");
    const code = await harness.stop("SIGTERM");
    if (code !== 0) console.log(harness.logs.slice(-15).join("\n"));
    expect(code).toBe(0);
    await harness.start();
    harness.inject({ from: friend, text: "after restart" });
    await harness.waitForSent((rows) => rows.length === 2, "the second reply");
    await sleep(300);
    expect(harness.turns().map((turn) => turn.text)).toEqual(["before restart", "after restart"]);
  });

  it("sends a short apology instead of silence when the agent fails", async () => {
    harness = await GatewayHarness.create({ channel: open, agent: (_turn, response) => sendJson(response, 400, {}) });
    await harness.start();
    harness.inject({ from: friend, text: "are you there?" });
    const rows = await harness.waitForSent((sent) => sent.length === 1, "the apology");
    expect(rows[0]?.text).toMatch(/^Sorry/);
    await harness.waitForLog(/turn failed for agent:main:main: webhook agent .* answered HTTP 400/);
  });
});
