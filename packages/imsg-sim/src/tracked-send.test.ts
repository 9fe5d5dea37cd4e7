// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSelectors, writeBridgeState } from "./bridge-state.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const attemptId = "3F2504E0-4F89-41D3-9A0C-0305E82C3301";

function rowWithGuid(dbPath: string, guid: string): Record<string, unknown> | undefined {
  const database = new DatabaseSync(dbPath, { readOnly: true });
  const row = database
    .prepare(
      "SELECT m.text AS text, m.is_from_me AS is_from_me, j.chat_id AS chat_id FROM message m " +
        "JOIN chat_message_join j ON j.message_id = m.ROWID WHERE m.guid = ?",
    )
    .get(guid) as Record<string, unknown> | undefined;
  database.close();
  return row;
}

async function stateOf(sim: SimProcess, guid: string): Promise<Record<string, unknown>> {
  return sim.call("message.send_status", { guid });
}

async function waitForState(sim: SimProcess, guid: string, state: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const status = await stateOf(sim, guid);
    if (status.send_state === state) return status;
    await sleep(100);
  }
  throw new Error(`send_state never became ${state}`);
}

async function errorOf(sim: SimProcess, method: string, params: unknown): Promise<[number, unknown]> {
  const response = await sim.request(method, params);
  if (!response.error) throw new Error(`${method} unexpectedly succeeded: ${JSON.stringify(response.result)}`);
  return [response.error.code, response.error.data];
}

function trackedSim(db: TempChatDb, ...extra: string[]): SimProcess {
  return new SimProcess({
    args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10", "--bridge", "up", ...extra],
    env: { HOME: db.home },
  });
}

describe("send.tracked and message.send_status (0.15.10)", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    sim = trackedSim(db, "--send-progress-ms", "1500");
  });
  afterAll(async () => {
    await sim.close();
    db.remove();
  });

  it("uses the caller's UUID, lowercased, as the message guid, in the answer and in chat.db", async () => {
    const lower = attemptId.toLowerCase();
    expect(await sim.call("send.tracked", { chat_id: 1, text: "tracked hello", attempt_id: attemptId })).toEqual({
      ok: true,
      transport: "bridge",
      guid: lower,
      message_id: lower,
      chat_guid: "iMessage;-;+15551234567",
      service: "iMessage",
      attempt_id: lower,
    });
    expect(rowWithGuid(db.dbPath, lower)).toEqual({ text: "tracked hello", is_from_me: 1, chat_id: 1 });
  });

  it("message.send_status reports the tracked row pending, then sent, then delivered", async () => {
    const guid = "5b0a1c1e-8d2f-4a57-9d0e-6a1f2b3c4d5e";
    await sim.call("send.tracked", { chat_id: 1, text: "watch me", attempt_id: guid });
    const pending = await stateOf(sim, guid);
    expect(pending).toMatchObject({ ok: true, guid, send_state: "pending", service: "iMessage" });
    expect(pending.status_fields).toMatchObject({
      is_sent: false,
      is_delivered: false,
      error: 0,
      date_delivered: null,
    });
    expect(pending).not.toHaveProperty("delivered_at");
    const sent = await waitForState(sim, guid, "sent");
    expect(sent.status_fields).toMatchObject({ is_sent: true, is_delivered: false });
    const delivered = await waitForState(sim, guid, "delivered");
    expect(delivered.delivered_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(delivered.status_fields).toMatchObject({
      is_sent: true,
      is_delivered: true,
      is_finished: true,
      date_delivered: delivered.delivered_at,
      date_read: null,
    });
  });

  it("message.send_status of an unknown guid is pending with null service and status_fields", async () => {
    const status = await stateOf(sim, "  NOT-A-GUID  ");
    expect(status).toEqual({
      ok: true,
      guid: "NOT-A-GUID",
      send_state: "pending",
      service: null,
      checked_at: expect.stringMatching(/Z$/),
      status_fields: null,
    });
    expect(await errorOf(sim, "message.send_status", { guid: " " })).toEqual([-32602, "guid is required"]);
  });

  it("refuses a reused UUID, a non-UUID, a file or several texts, and AppleScript transport", async () => {
    // Refused before dispatch: a typed, retry-safe not_started failure (with a new UUID the send may go).
    expect(await errorOf(sim, "send.tracked", { chat_id: 1, text: "again", attempt_id: attemptId })).toEqual([
      -32603,
      {
        retry_safe: true,
        disposition: "not_started",
        transport: "bridge_v2",
        operation: "send-message",
        detail: "attempt_id already identifies a message; choose a new UUID",
      },
    ]);
    const fresh = "9c1d2e3f-0a1b-4c2d-8e3f-4a5b6c7d8e9f";
    expect(await errorOf(sim, "send.tracked", { chat_id: 1, text: "x", attempt_id: "1234" })).toEqual([
      -32602,
      "attempt_id must be a UUID",
    ]);
    expect(
      await errorOf(sim, "send.tracked", { chat_id: 1, text: "x", file: "/etc/hosts", attempt_id: fresh }),
    ).toEqual([-32602, "send.tracked supports exactly one text message"]);
    expect(
      await errorOf(sim, "send.tracked", { chat_id: 1, text: "x", transport: "applescript", attempt_id: fresh }),
    ).toEqual([-32602, "send.tracked requires bridge transport"]);
    expect(await errorOf(sim, "send.tracked", { to: "+15550009999", text: "x", attempt_id: fresh })).toEqual([
      -32602,
      "bridge transport requires an existing chat target",
    ]);
    expect(rowWithGuid(db.dbPath, fresh)).toBeUndefined();
  });
});

describe("send.tracked availability and send status faults", () => {
  it("is not offered without the clientMessageGuidReservation selector, nor before 0.15", async () => {
    const db = exampleChatDb();
    writeBridgeState(db.dbPath, { selectors: { ...defaultSelectors, clientMessageGuidReservation: false } });
    const without = trackedSim(db);
    const older = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.14.0", "--bridge", "up"] });
    try {
      const params = { chat_id: 1, text: "x", attempt_id: attemptId };
      expect(await errorOf(without, "send.tracked", params)).toEqual([-32601, "send.tracked"]);
      expect(await errorOf(older, "send.tracked", params)).toEqual([-32601, "send.tracked"]);
      expect(rowWithGuid(db.dbPath, attemptId.toLowerCase())).toBeUndefined();
    } finally {
      await without.close();
      await older.close();
      db.remove();
    }
  });

  it("--fault-send-status failed ends the tracked row failed with its error code", async () => {
    const db = exampleChatDb();
    const sim = trackedSim(db, "--fault-send-status", "failed", "--send-progress-ms", "50");
    try {
      await sim.call("send.tracked", { chat_id: 2, text: "doomed", attempt_id: attemptId });
      const failed = await waitForState(sim, attemptId.toLowerCase(), "failed");
      expect(failed.status_fields).toMatchObject({ is_sent: false, is_delivered: false, error: 22 });
    } finally {
      await sim.close();
      db.remove();
    }
  });

  it("message.send_status of an ordinary send's row is delivered (0.10.0)", async () => {
    const db = exampleChatDb();
    const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.10.0"] });
    try {
      const status = await stateOf(sim, "0B6E1C2A-1111-4C3B-9F00-000000000002");
      expect(status).toMatchObject({ send_state: "delivered", service: "iMessage" });
    } finally {
      await sim.close();
      db.remove();
    }
  });
});
