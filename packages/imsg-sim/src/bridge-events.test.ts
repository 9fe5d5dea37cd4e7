// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { appendBridgeEvent, bridgeEventLogPath, typingEvent } from "./bridge-events.ts";
import { simBinPath } from "./sim-bin-path.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const run = promisify(execFile);

describe("bridge.events.subscribe on 0.15.10", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  afterEach(() => {
    sim.kill();
    db.remove();
  });

  function start(...args: string[]): SimProcess {
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10", ...args] });
    return sim;
  }

  function bridgeEvents() {
    return sim.notifications.filter((notification) => notification.method.startsWith("bridge."));
  }

  it("streams started-typing events an inject command logs, from the log's end at subscribe time", async () => {
    db = exampleChatDb();
    appendBridgeEvent(db.dbPath, { event: "started-typing", ts: "2026-08-10T00:00:00Z", data: { chatGuid: "old" } });
    start("--bridge", "up");
    expect(await sim.call("bridge.events.subscribe", {})).toEqual({
      subscription: 1,
      buffer_limit: 256,
      resumable: false,
    });
    await run(process.execPath, [simBinPath, "inject", "--db", db.dbPath, "--typing", "+15551234567"]);
    await run(process.execPath, [simBinPath, "inject", "--db", db.dbPath, "--typing", "+15551234567", "--stopped"]);
    await sim.waitFor(() => bridgeEvents().length === 2);
    const [started, stopped] = bridgeEvents();
    expect(started).toMatchObject({
      method: "bridge.event",
      params: { subscription: 1, event: { event: "started-typing", data: { chatGuid: "iMessage;-;+15551234567" } } },
    });
    expect((started!.params.event as { ts: string }).ts).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(stopped!.params.event).toMatchObject({ event: "stopped-typing" });
  });

  it("is available once imsg-sim launch injected the helper, which creates the event log", async () => {
    db = exampleChatDb();
    await run(process.execPath, [simBinPath, "launch", "--db", db.dbPath, "--sip", "disabled"]);
    start();
    expect(await sim.call("bridge.events.subscribe", { buffer_limit: 2 })).toEqual({
      subscription: 1,
      buffer_limit: 2,
      resumable: false,
    });
  });

  it("keeps order across a log rotation and omits ts when the line has none", async () => {
    db = exampleChatDb();
    const path = bridgeEventLogPath(db.dbPath);
    writeFileSync(path, "");
    start("--bridge", "up");
    await sim.call("bridge.events.subscribe", { buffer_limit: 8 });
    writeFileSync(path, `${JSON.stringify({ event: "started-typing", data: { chatGuid: "a" } })}\n`, { flag: "a" });
    await sim.waitFor(() => bridgeEvents().length === 1);
    renameSync(path, `${path}.1`);
    appendBridgeEvent(db.dbPath, typingEvent("+15550002222"));
    await sim.waitFor(() => bridgeEvents().length === 2);
    expect(bridgeEvents().map((note) => note.params.event)).toEqual([
      { event: "started-typing", data: { chatGuid: "a" } },
      expect.objectContaining({ event: "started-typing", data: { chatGuid: "iMessage;-;+15550002222" } }),
    ]);
  });

  it("ends a slow stream with a terminal bridge.events.overflow", async () => {
    db = exampleChatDb();
    writeFileSync(bridgeEventLogPath(db.dbPath), "");
    start("--bridge", "up");
    // Up and answering before the reader stops reading: events logged before the subscription are never replayed.
    await sim.call("watch.unsubscribe", { subscription: 99 });
    sim.child.stdout!.pause();
    sim.writeLine(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "bridge.events.subscribe", params: { buffer_limit: 1 } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const padding = "x".repeat(20_000);
    for (let index = 0; index < 40; index += 1) {
      appendBridgeEvent(db.dbPath, { event: "started-typing", data: { chatGuid: `chat ${index}`, padding } });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    sim.child.stdout!.resume();
    const overflow = await sim.waitFor(() =>
      sim.notifications.find((note) => note.method === "bridge.events.overflow"),
    );
    expect(overflow.params).toEqual({
      subscription: 1,
      reason: "buffer_limit_exceeded",
      resumable: false,
      terminal: true,
    });
    expect(bridgeEvents().at(-1)).toBe(overflow);
    expect(bridgeEvents().length).toBeLessThan(41);
  });

  it("answers -32003 without a running v2 bridge or without a readable event log", async () => {
    db = exampleChatDb();
    start("--bridge", "down");
    expect((await sim.request("bridge.events.subscribe", {})).error).toEqual({
      code: -32003,
      message: "Bridge events unavailable",
      data: {
        detail: "The bridge is not started. Run imsg launch explicitly before using bridge methods.",
        retryable: true,
      },
    });
    sim.kill();
    start("--bridge", "up");
    expect((await sim.request("bridge.events.subscribe", {})).error).toEqual({
      code: -32003,
      message: "Bridge events unavailable",
      data: { detail: "The existing v2 bridge event log is not a readable regular file.", retryable: true },
    });
  });

  it("shares subscription ids and the cap of 64 with watch.subscribe", async () => {
    db = exampleChatDb();
    writeFileSync(bridgeEventLogPath(db.dbPath), "");
    start("--bridge", "up");
    expect(await sim.call("watch.subscribe", {})).toMatchObject({ subscription: 1 });
    expect(await sim.call("bridge.events.subscribe", {})).toMatchObject({ subscription: 2 });
    await Promise.all(Array.from({ length: 62 }, () => sim.call("watch.subscribe", {})));
    expect((await sim.request("bridge.events.subscribe", {})).error).toEqual({
      code: -32000,
      message: "Server busy",
      data: "subscription limit exceeded",
    });
    expect(await sim.call("watch.unsubscribe", { subscription: 2 })).toEqual({ ok: true });
    expect(await sim.call("bridge.events.subscribe", {})).toMatchObject({ subscription: 65 });
  });
});
