// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { SimProcess, seed, simBinPath, writeBridgeState } from "@imessage-channel/imsg-sim";
import { probeCapabilities } from "@imessage-channel/rpc-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ActionExecutor, createActionExecutor } from "./action-executor.ts";
import { type CapabilitySnapshot, capabilityFromProbe, unknownCapability } from "./capability.ts";
import { OutboundError } from "./outbound-error.ts";

// Seeded rows (docs/imsg-protocol.md#example-rows): chat 1 is the DM with +15551234567, chat 2 the "Weekend Crew"
// group.
const inboundGroupGuid = "0B6E1C2A-1111-4C3B-9F00-000000000003";
const ownDmGuid = "0B6E1C2A-1111-4C3B-9F00-000000000002";
const dm = { chat: { chat_id: 1 }, isGroup: false };
const group = { chat: { chat_id: 2 }, isGroup: true };

let directory: string;
let dbPath: string;
let sim: SimProcess;
let cached: CapabilitySnapshot;
let probes: number;
let executor: ActionExecutor;

const run = promisify(execFile);

/** The real probe: the rpc-client's `probeCapabilities` running the simulated Mac's CLI. */
async function probeStatus(): Promise<CapabilitySnapshot> {
  probes++;
  const capabilities = await probeCapabilities(async (args) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [simBinPath, ...args, "--db", dbPath]);
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
    }
  });
  cached = capabilityFromProbe(capabilities);
  return cached;
}

function query<Row>(sql: string, ...values: (string | number)[]): Row[] {
  const database = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return database.prepare(sql).all(...values) as Row[];
  } finally {
    database.close();
  }
}

function latestOwnRow() {
  return query<{ text: string | null; thread_originator_guid: string | null; associated_message_type: number }>(
    "SELECT text, thread_originator_guid, associated_message_type FROM message WHERE is_from_me = 1 ORDER BY ROWID DESC LIMIT 1",
  )[0];
}

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise;
  } catch (error) {
    if (OutboundError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), "outbound-sim-"));
  dbPath = join(directory, "chat.db");
  seed(dbPath);
  mkdirSync(join(directory, "media"));
  sim = new SimProcess({ args: ["rpc", "--db", dbPath], env: { HOME: join(directory, "home") } });
  executor = createActionExecutor({
    call: async (method, params) => {
      const response = await sim.request(method, params);
      if (response.error) throw Object.assign(new Error(response.error.message), response.error);
      return response.result;
    },
    capability: () => cached,
    probe: probeStatus,
    markStale: () => {
      cached = unknownCapability;
    },
    media: {
      mediaMaxBytes: 16 * 1024 * 1024,
      sizeOfPath: async (path) => statSync(path).size,
      stage: async (plan) => {
        if (plan.kind === "path") return plan.path;
        const path = join(directory, "media", plan.filename);
        writeFileSync(path, plan.data);
        return path;
      },
    },
  });
});

afterAll(async () => {
  expect(await sim.close()).toBe(0);
  rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => {
  cached = unknownCapability;
  probes = 0;
});

describe("against imsg-sim with the bridge up", () => {
  beforeEach(() => writeBridgeState(dbPath, { sip: "disabled", launched: true, fallen: false }));

  it("probes once lazily, then reacts with a tapback row on the message", async () => {
    await executor.execute({ action: "react", messageId: inboundGroupGuid, emoji: "❤️" }, group);
    await executor.execute({ action: "react", messageId: inboundGroupGuid, emoji: "👍" }, group);
    expect(probes).toBe(1);
    expect(cached.status).toBe("available");
    expect(latestOwnRow()?.associated_message_type).toBe(2001);
  });

  it("sends a threaded reply and a message with an effect", async () => {
    const reply = await executor.execute({ action: "reply", messageId: inboundGroupGuid, text: "on it" }, group);
    expect(reply.fallback).toBeUndefined();
    expect(latestOwnRow()).toMatchObject({ text: "on it", thread_originator_guid: inboundGroupGuid });
    const effect = await executor.execute({ action: "sendWithEffect", text: "boom", effect: "slam" }, dm);
    expect(effect.result).toMatchObject({ ok: true });
    expect(latestOwnRow()?.text).toBe("boom");
  });

  it("edits and unsends our own message", async () => {
    await executor.execute({ action: "edit", messageId: ownDmGuid, newText: "Yes, 13:00 works" }, dm);
    await executor.execute({ action: "unsend", messageId: ownDmGuid }, dm);
    expect(
      query("SELECT text, date_retracted IS NOT NULL AS retracted FROM message WHERE guid = ?", ownDmGuid),
    ).toEqual([{ text: "Yes, 13:00 works", retracted: 1 }]);
  });

  it("uploads a base64 file and a voice memo", async () => {
    await executor.execute(
      { action: "upload-file", buffer: Buffer.from("fake png").toString("base64"), filename: "a.png" },
      dm,
    );
    const memo = join(directory, "memo.m4a");
    writeFileSync(memo, "fake audio");
    const outcome = await executor.execute({ action: "upload-file", path: memo, asVoice: true }, dm);
    expect(outcome.method).toBe("send.attachment");
    const attachments = query<{ transfer_name: string }>("SELECT transfer_name FROM attachment ORDER BY ROWID");
    expect(attachments.map((row) => row.transfer_name)).toEqual(expect.arrayContaining(["a.png", "memo.m4a"]));
  });

  it("manages the group: rename, icon, participants, leave", async () => {
    const icon = join(directory, "icon.png");
    writeFileSync(icon, "icon");
    await executor.execute({ action: "renameGroup", name: "Lunch Crew" }, group);
    await executor.execute({ action: "setGroupIcon", path: icon }, group);
    await executor.execute({ action: "addParticipant", address: "+1 555 000 2222" }, group);
    await executor.execute({ action: "removeParticipant", address: "jane@example.com" }, group);
    await executor.execute({ action: "leaveGroup" }, group);
    expect(query("SELECT display_name FROM chat WHERE ROWID = 2")).toEqual([{ display_name: "Lunch Crew" }]);
    const members = query<{ id: string }>(
      "SELECT handle.id FROM chat_handle_join JOIN handle ON handle.ROWID = chat_handle_join.handle_id WHERE chat_id = 2 ORDER BY handle.id",
    );
    expect(members.map((row) => row.id)).toEqual(["+15550002222", "+15559876543"]);
  });
});

describe("against imsg-sim with SIP on (no bridge)", () => {
  beforeEach(() => writeBridgeState(dbPath, { sip: "enabled", launched: false, fallen: false }));

  it.each([
    ["react", { messageId: inboundGroupGuid, emoji: "like" }, group],
    ["sendWithEffect", { text: "x", effect: "confetti" }, dm],
    ["edit", { messageId: ownDmGuid, text: "x" }, dm],
    ["unsend", { messageId: ownDmGuid }, dm],
    ["renameGroup", { name: "x" }, group],
    ["setGroupIcon", {}, group],
    ["addParticipant", { address: "+15550003333" }, group],
    ["removeParticipant", { address: "+15559876543" }, group],
    ["leaveGroup", {}, group],
  ] as const)("%s throws the bridge text after the lazy probe", async (action, params, context) => {
    const before = query<{ count: number }>("SELECT count(*) AS count FROM message")[0]?.count;
    const error = await failure(executor.execute({ action, ...params }, context));
    expect(error.message).toMatch(
      new RegExp(`^iMessage ${action} requires the imsg private API bridge; run \`imsg launch\``),
    );
    expect(probes).toBe(1);
    expect(query<{ count: number }>("SELECT count(*) AS count FROM message")[0]?.count).toBe(before);
  });

  it("lets the first action after imsg launch through: a cached unavailable is probed again", async () => {
    const refused = await failure(
      executor.execute({ action: "react", messageId: inboundGroupGuid, emoji: "like" }, group),
    );
    expect(refused.code).toBe("BRIDGE_REQUIRED");
    expect(cached.status).toBe("unavailable");
    await run(process.execPath, [simBinPath, "launch", "--db", dbPath, "--sip", "disabled"]);
    const outcome = await executor.execute({ action: "react", messageId: inboundGroupGuid, emoji: "like" }, group);
    expect(outcome.method).toBe("tapback");
    expect(probes).toBe(2);
    expect(latestOwnRow()?.associated_message_type).toBe(2001);
  });

  it("delivers a threaded reply as a plain send instead of losing it", async () => {
    const outcome = await executor.execute(
      { action: "reply", messageId: inboundGroupGuid, text: "plain please" },
      group,
    );
    expect(outcome).toMatchObject({
      method: "send",
      fallback: "plain-send",
      result: { ok: true, transport: "applescript" },
    });
    expect(latestOwnRow()).toMatchObject({ text: "plain please", thread_originator_guid: null });
  });

  it("sends files without the bridge", async () => {
    const file = join(directory, "doc.txt");
    writeFileSync(file, "hello");
    const outcome = await executor.execute({ action: "sendAttachment", path: file }, dm);
    expect(outcome).toMatchObject({ action: "upload-file", method: "send", result: { ok: true } });
  });
});

describe("against imsg-sim when the bridge falls out after a good probe", () => {
  it("throws the bridge text and marks the cached status stale; a reply still goes out plain", async () => {
    writeBridgeState(dbPath, { sip: "disabled", launched: true, fallen: false });
    await probeStatus();
    expect(cached.status).toBe("available");
    writeBridgeState(dbPath, { fallen: true });

    const error = await failure(
      executor.execute({ action: "react", messageId: inboundGroupGuid, emoji: "love" }, group),
    );
    expect(error.message).toMatch(/^iMessage react requires the imsg private API bridge; run `imsg launch`/);
    expect(cached).toBe(unknownCapability);

    cached = { status: "available", selectors: { editMessageItem: true } };
    const outcome = await executor.execute({ action: "reply", messageId: inboundGroupGuid, text: "still here" }, group);
    expect(outcome.fallback).toBe("plain-send");
    expect(latestOwnRow()?.text).toBe("still here");
  });
});
