// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { sendJson, waitFor } from "@imessage-channel/agents/test-support";
import { readRequestLog } from "@imessage-channel/imsg-sim";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentHandler, GatewayHarness } from "../test-support/gateway-harness.ts";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const friend = "+15555550123";
const stranger = "+15555550999";

interface AccountJson {
  running: boolean;
  state?: string;
  pid?: number;
  retry?: { attempt: number; nextAt: string };
  uptimeSeconds?: number;
  lastEventAt?: string;
  lastEvent?: string;
  counters?: { received: number; dispatched: number; replayed: number; sent: number; failed: number };
}

async function statusJson(): Promise<AccountJson> {
  const { stdout } = await harness!.cli(["status", "--json", "--config", harness!.configPath]);
  return JSON.parse(stdout).channels.imessage.accounts[0] as AccountJson;
}

async function statusText(): Promise<string> {
  return (await harness!.cli(["status", "--config", harness!.configPath])).stdout;
}

/** The STATE cell of the first account row (the column after ACCOUNT, up to the next run of two spaces). */
function stateCell(text: string): string {
  const row = text.split("\n")[1] ?? "";
  return row.split(/ {2,}/)[1] ?? "";
}

describe("status tells the truth about the gateway", () => {
  it("says stopped right after a clean SIGTERM, and not running (last seen …) at once after a SIGKILL", async () => {
    harness = await GatewayHarness.create();
    await harness.start();
    expect(stateCell(await statusText())).toBe("connected");

    expect(await harness.stop("SIGTERM")).toBe(0);
    expect(await statusJson()).toMatchObject({ running: false, state: "stopped" });
    expect(stateCell(await statusText())).toMatch(/^stopped \(\d+ s ago\)$/);

    await harness.start();
    const pid = (await statusJson()).pid;
    expect(pid).toBe(harness.pid);
    await harness.stop("SIGKILL");
    // The file still says connected and is seconds old: only the dead pid tells.
    expect(await statusJson()).toMatchObject({ running: false, state: "not-running" });
    expect(stateCell(await statusText())).toMatch(/^not running \(last seen \d+ s ago\)$/);
  });

  it("shows received, dispatched, replayed, sent, failed and dropped with uptime and the last event", async () => {
    const refusing: AgentHandler = (turn, response) =>
      String(turn.text) === "refuse me"
        ? sendJson(response, 400, { error: "bad request" })
        : sendJson(response, 200, { text: `echo: ${String(turn.text)}` });
    harness = await GatewayHarness.create({
      channel: { dmPolicy: "allowlist", allowFrom: [friend], errorReply: "" },
      agent: refusing,
    });
    await harness.start();
    harness.inject({ from: friend, text: "answer me" });
    harness.inject({ from: friend, text: "refuse me" });
    harness.inject({ from: stranger, text: "let me in" });
    await harness.waitForSent((rows) => rows.length === 1, "the one reply");
    const counted = await waitFor("the failed turn and the dropped row in the status file", async () => {
      const account = await statusJson();
      return account.counters?.failed === 1 && account.counters.received === 3 ? account : undefined;
    });
    expect(counted).toMatchObject({
      running: true,
      state: "connected",
      counters: { dispatched: 1, replayed: 0, sent: 1, failed: 1 },
    });
    expect(counted.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(counted.lastEventAt).toBeDefined();

    const text = await statusText();
    const [header, row] = text.split("\n");
    expect(header?.split(/ {2,}/)).toEqual([
      "ACCOUNT",
      "STATE",
      "UPTIME",
      "LAST EVENT",
      "RECV",
      "DISP",
      "REPLAYED",
      "SENT",
      "FAILED",
      "DROPPED",
      "PROBE",
      "PRIVATE API",
    ]);
    const cells = row?.split(/ {2,}/) ?? [];
    expect(cells.slice(0, 2)).toEqual(["default", "connected"]);
    expect(cells[2]).toMatch(/^\d+ (s|min)$/);
    // The last of the three rows' events: whichever of their rows came last (received, dispatched, sent, failed or dropped).
    expect(cells[3]).toMatch(/^(received|dispatched|sent|failed|dropped dm-not-allowed) \d+ s ago$/);
    expect(counted.lastEvent).toMatch(/^(received|dispatched|sent|failed|dropped dm-not-allowed)$/);
    expect(cells.slice(4, 10)).toEqual(["3", "1", "0", "1", "1", "1"]);
    expect(text).toMatch(/^default: dropped: 1 dm-not-allowed$/m);
  });

  it("shows retrying (attempt N, next in …) while imsg cannot start, not a bare failed", async () => {
    harness = await GatewayHarness.create({ simArgs: ["--fault-full-disk-access"] });
    await harness.start([], {}, { until: /imsg cannot start; retrying later/ });
    const line = harness.logs.find((entry) => entry.includes("imsg cannot start")) ?? "{}";
    // The log line says the same: which try failed and when the next comes.
    expect(JSON.parse(line).msg).toMatch(/^imsg cannot start; retrying later \(attempt 1, next in \d+\.\d s\)$/);
    const retrying = await waitFor("the retry in the status file", async () => {
      const account = await statusJson();
      return account.retry ? account : undefined;
    });
    expect(retrying).toMatchObject({ running: true, state: "failed", retry: { attempt: expect.any(Number) } });
    expect(Date.parse(retrying.retry!.nextAt)).not.toBeNaN();
    const text = await statusText();
    expect(stateCell(text)).toMatch(/^retrying \(attempt \d+, (next in \d+ s|trying now)\)$/);
    expect(text).toMatch(/Full Disk Access/);
  });

  it("--probe asks a healthy imsg 0.15 on one imsg rpc connection, running no one-shot command", async () => {
    harness = await GatewayHarness.create({ imsgVersion: "0.15.10" });
    const requestLog = await harness.requestLogPath();
    const { code, stdout } = await harness.cli(["status", "--probe", "--json", "--config", harness.configPath], {
      IMSG_SIM_REQUEST_LOG: requestLog,
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).channels.imessage.accounts[0]).toMatchObject({
      works: true,
      version: "0.15.10",
      rpc: true,
      protocol: { version: 1, databaseReady: true },
    });
    // The rpc child records itself when its input ends, which may be just after the CLI exited.
    const commands = await waitFor("the rpc child's record", () => {
      const records = readRequestLog(requestLog).filter((record) => record.kind === "cli");
      return records.some((record) => record.args[0] === "rpc") ? records : undefined;
    });
    expect(commands.map((record) => record.args[0])).toEqual(["rpc"]);
    const methods = readRequestLog(requestLog)
      .filter((record) => record.kind === "rpc")
      .map((record) => record.method);
    expect(methods).toEqual(["initialize", "chats.list"]);
  });
});
