// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureBridgeEventLog } from "./bridge-events.ts";
import { writeBridgeState } from "./bridge-state.ts";
import { imsgPersonality } from "./personality.ts";
import { linuxRpcMethods as linuxCompiledMethods } from "./rpc-descriptors.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const dbMethods = [
  "chats.list",
  "chats.get",
  "messages.stats",
  "messages.history",
  "messages.search",
  "messages.after",
];
const noRequirement = ["initialize", "status", "watch.unsubscribe"];
const notStarted = "The bridge is not started. Run imsg launch explicitly before using bridge methods.";

describe("RPC initialize and status (docs/imsg-protocol.md, initialize and status)", () => {
  let db: TempChatDb;
  let sim: SimProcess | undefined;

  function start(version: string, ...args: string[]): SimProcess {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", version, ...args] });
    return sim;
  }

  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    db.remove();
  });

  it("reports a ready database, a bridge that is not started and the methods usable without it", async () => {
    const running = start("0.15.10");
    const status = await running.call("initialize", { protocol_version: 1 });
    expect(status).toEqual({
      version: "0.15.10",
      protocol_version: 1,
      database: {
        path: db.dbPath,
        ready: true,
        features: {
          unread_state: true,
          scheduled_messages: false,
          reactions: true,
          reply_context: true,
          routing_metadata: true,
          balloon_payloads: true,
        },
      },
      bridge: { ready: false, error: notStarted },
      contacts: { available: false },
      methods: [...noRequirement, ...dbMethods, "watch.subscribe", "message.send_status", "send", "typing", "read"],
      supported_methods: imsgPersonality("0.15.10").rpcMethods,
      capabilities: { engine: { version: "0.15.10", commit: "unknown", built_at: "unknown" }, features: {} },
    });
    // `initialize` is idempotent and `status` answers the same object.
    expect(await running.call("status")).toEqual(status);
    expect(await running.call("initialize")).toEqual(status);
  });

  it("comes up without a database and leaves the database methods out of methods", async () => {
    db = exampleChatDb();
    const missing = join(db.directory, "absent", "chat.db");
    sim = new SimProcess({ args: ["rpc", "--db", missing, "--imsg-version", "0.15.10"] });
    const status = await sim.call("status");
    expect(status.database).toMatchObject({ path: missing, ready: false });
    expect(typeof (status.database as { error?: unknown }).error).toBe("string");
    expect(status.database).not.toHaveProperty("features");
    expect(status.methods).toEqual([...noRequirement, "send", "typing", "read"]);
    expect(status.supported_methods).toHaveLength(44);
  });

  it("follows the simulated bridge: its selectors gate methods, emojiTapbackSend decides tapback.emoji", async () => {
    const running = start("0.15.10", "--bridge", "up");
    const up = await running.call("status");
    expect(up.bridge).toMatchObject({ ready: true, bridge_version: 2, v2_ready: true, registry_available: true });
    expect(up.methods).toContain("tapback");
    // The event stream also needs the helper's event log as a regular file (imsg-sim launch creates it).
    expect(up.methods).not.toContain("bridge.events.subscribe");
    ensureBridgeEventLog(db.dbPath);
    expect((await running.call("status")).methods).toContain("bridge.events.subscribe");
    // A current helper reserves guids and sends emoji tapbacks.
    expect(up.methods).toContain("send.tracked");
    expect(up.methods).not.toContain("messages.scheduled");
    expect(up.capabilities).toMatchObject({ features: { "tapback.emoji": 2 } });

    writeBridgeState(db.dbPath, {
      selectors: {
        editMessageItem: true,
        editMessage: false,
        retractMessagePart: true,
        sendMessageReason: true,
        sendReaction: false,
        clientMessageGuidReservation: false,
        emojiTapbackSend: false,
      },
    });
    const flipped = await running.call("initialize");
    expect(flipped.methods).not.toContain("send.tracked");
    expect(flipped.methods).not.toContain("tapback");
    expect(flipped.capabilities).toEqual({
      engine: { version: "0.15.10", commit: "unknown", built_at: "unknown" },
      features: {},
    });
    expect((flipped.bridge as { selectors: Record<string, boolean> }).selectors).toMatchObject({
      emojiTapbackSend: false,
      sendReaction: false,
    });
  });

  it("names a bridge that does not answer its probe, and one without a chat registry", async () => {
    const running = start("0.15.10", "--bridge", "fallen");
    expect((await running.call("status")).bridge).toEqual({
      ready: false,
      error: "The existing bridge did not answer a non-launching status probe.",
    });
    writeBridgeState(db.dbPath, { sip: "disabled", launched: true, fallen: false, registryAvailable: false });
    await running.close();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10"] });
    const noRegistry = await sim.call("status");
    expect(noRegistry.bridge).toMatchObject({
      ready: false,
      registry_available: false,
      error: "The running bridge did not report a ready v2 inbox and chat registry.",
    });
    // handles.check asks IDS directly: it needs no chat registry.
    expect(noRegistry.methods).toContain("handles.check");
    expect(noRegistry.methods).not.toContain("chats.create");
  });

  it("has no capabilities block on 0.14.0, and no initialize before it", async () => {
    const running = start("0.14.0");
    const status = await running.call("initialize");
    expect(status.version).toBe("0.14.0");
    expect(status).not.toHaveProperty("capabilities");
    expect(status.supported_methods).not.toContain("send.tracked");
    expect(status.supported_methods).not.toContain("chats.get");
    await running.close();
    db.remove();
    const older = start("0.13.0");
    expect((await older.request("initialize", { protocol_version: 1 })).error).toEqual({
      code: -32601,
      message: "Method not found",
      data: "initialize",
    });
  });

  it("lists the 12 Linux methods on a 0.14+ Linux build and refuses the macOS-only ones as -32601", async () => {
    const running = start("0.15.10", "--platform", "linux");
    const status = await running.call("status");
    expect(status.supported_methods).toEqual(linuxCompiledMethods);
    expect(status.supported_methods).toHaveLength(12);
    expect(status.methods).toEqual(linuxCompiledMethods.filter((method) => method !== "messages.scheduled"));
    expect(status.contacts).toEqual({ available: false });
    for (const method of ["send", "tapback", "bridge.events.subscribe"]) {
      expect((await running.request(method, { chat_id: 1 })).error).toEqual({
        code: -32601,
        message: "Method not found",
        data: method,
      });
    }
  });

  it("reports Contacts as available when the Mac has a contact book", async () => {
    db = exampleChatDb();
    const contacts = join(db.directory, "contacts.json");
    writeFileSync(contacts, "[]\n");
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10", "--contacts", contacts] });
    expect((await sim.call("status")).contacts).toEqual({ available: true });
  });
});
