// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { inject, readRequestLog } from "@imessage-channel/imsg-sim";
import { recordingLogger } from "@imessage-channel/kit";
import type { LocalTransport } from "@imessage-channel/transport";
import { waitFor } from "@imessage-channel/vitest-config/wait-for";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Message } from "./imsg-objects.ts";
import {
  ImsgSupervisor,
  type ImsgSupervisorOptions,
  type SupervisorStateChange,
  watchBufferLimit,
} from "./supervisor.ts";
import { messageNotificationLine, requestsSeen, scriptedTransport } from "./test-support/scripted-transport.ts";
import { pidOf, SimHarness } from "./test-support/sim-harness.ts";

let sim: SimHarness;
let supervisor: ImsgSupervisor | undefined;

beforeEach(() => {
  sim = new SimHarness();
});

afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
  await sim.dispose();
});

interface Consumer {
  delivered: Message[];
  states: SupervisorStateChange[];
}

/** Starts a supervisor whose consumer acknowledges every row as soon as it arrives. */
function supervise(options: Partial<ImsgSupervisorOptions> & Pick<ImsgSupervisorOptions, "createTransport">): Consumer {
  const consumer: Consumer = { delivered: [], states: [] };
  const started = new ImsgSupervisor({
    backoff: { initialMs: 20, maxMs: 200 },
    liveness: false,
    random: () => 1,
    watch: { debounceMs: 0 },
    ...options,
  });
  started.on("message", (message) => {
    consumer.delivered.push(message);
    started.ack(message.id);
  });
  started.on("state", (change) => consumer.states.push(change));
  started.start();
  supervisor = started;
  return consumer;
}

function injectRows(count: number, label: string): number[] {
  return Array.from(
    { length: count },
    (_, index) => inject(sim.dbPath, { from: "+15551234567", text: `${label} ${index}` }).rowid,
  );
}

function currentTransport(): LocalTransport {
  const transport = sim.transports.at(-1);
  if (transport === undefined) throw new Error("no transport yet");
  return transport;
}

describe("ImsgSupervisor", () => {
  it("starts after the newest row and streams only what arrives later", async () => {
    const consumer = supervise({ createTransport: () => sim.transport() });
    await waitFor(() => consumer.states.some((change) => change.state === "connected"), "connected");
    const rowids = injectRows(2, "fresh");
    await waitFor(() => consumer.delivered.length >= 2, "two rows");
    expect(consumer.delivered.map((message) => message.id)).toEqual(rowids);
  });

  it("negotiates each connection with initialize: protocol 1 and its usable methods on 0.15, protocol 0 on 0.9.0", async () => {
    const current = supervise({ createTransport: () => sim.transport(["--imsg-version", "0.15.10"]) });
    const connected = await waitFor(() => current.states.find((change) => change.state === "connected"), "connected");
    expect(connected.protocol).toMatchObject({ protocolVersion: 1, version: "0.15.10", database: { ready: true } });
    expect(connected.protocol?.methods).toContain("messages.after");
    expect(supervisor?.protocol?.protocolVersion).toBe(1);
    await supervisor?.stop();
    const legacy = supervise({ createTransport: () => sim.transport(["--imsg-version", "0.9.0"]) });
    const legacyConnected = await waitFor(
      () => legacy.states.find((change) => change.state === "connected"),
      "connected",
    );
    expect(legacyConnected.protocol).toEqual({ protocolVersion: 0, features: {} });
  });

  it("delivers every row exactly once across a SIGKILL, including rows written during the restart", async () => {
    const consumer = supervise({ createTransport: () => sim.transport(), cursor: 10 });
    await waitFor(() => consumer.states.some((change) => change.state === "connected"), "connected");
    const before = injectRows(3, "before");
    await waitFor(() => consumer.delivered.length >= 3, "rows before the crash");
    process.kill(pidOf(currentTransport()), "SIGKILL");
    const during = injectRows(3, "during");
    await waitFor(() => consumer.states.filter((change) => change.state === "connected").length >= 2, "reconnected");
    const after = injectRows(2, "after");
    await waitFor(() => consumer.delivered.length >= 8, "every row");
    expect(consumer.delivered.map((message) => message.id)).toEqual([...before, ...during, ...after]);
    expect(consumer.states.map((change) => change.state)).toContain("reconnecting");
    expect(supervisor?.cursor).toBe(after.at(-1));
  });

  it("resumes from the acknowledged cursor, so unacknowledged rows come again after a crash", async () => {
    const delivered: number[] = [];
    const started = new ImsgSupervisor({
      createTransport: () => sim.transport(),
      cursor: 10,
      liveness: false,
      backoff: { initialMs: 20 },
      watch: { debounceMs: 0 },
    });
    started.on("message", (message) => {
      delivered.push(message.id);
      if (message.text === "first") started.ack(message.id);
    });
    started.start();
    supervisor = started;
    const first = inject(sim.dbPath, { from: "+15551234567", text: "first" }).rowid;
    const second = inject(sim.dbPath, { from: "+15551234567", text: "second" }).rowid;
    await waitFor(() => delivered.length >= 2, "two rows");
    process.kill(pidOf(currentTransport()), "SIGKILL");
    await waitFor(() => delivered.length >= 3, "the redelivery");
    expect(delivered).toEqual([first, second, second]);
  });

  it("resumes a saved cursor after a restart, streaming at most resumeMaxRows of the rows behind the newest", async () => {
    const saved = injectRows(1, "handled before the restart")[0]!;
    const written = injectRows(5, "while down");
    const logger = recordingLogger();
    const consumer = supervise({ createTransport: () => sim.transport(), cursor: saved, resumeMaxRows: 3, logger });
    await waitFor(() => consumer.delivered.length >= 3, "the newest three rows");
    const live = injectRows(1, "after the restart");
    await waitFor(() => consumer.delivered.length >= 4, "the live row");
    expect(consumer.delivered.map((message) => message.id)).toEqual([...written.slice(2), ...live]);
    expect(logger.find("streaming the newest 3")).toBeDefined();
  });

  it("starts after the newest row when the saved cursor is ahead of the database (another chat.db)", async () => {
    const consumer = supervise({ createTransport: () => sim.transport(), cursor: 1_000_000, resumeMaxRows: 500 });
    await waitFor(() => consumer.states.some((change) => change.state === "connected"), "connected");
    const rowids = injectRows(2, "new database");
    await waitFor(() => consumer.delivered.length >= 2, "both rows");
    expect(consumer.delivered.map((message) => message.id)).toEqual(rowids);
    expect(supervisor?.cursor).toBe(rowids.at(-1));
  });

  it("backs off on a Full Disk Access error and reports it instead of hot-looping", async () => {
    const consumer = supervise({
      createTransport: () => sim.transport(["--fault-full-disk-access"]),
      backoff: { initialMs: 10, maxMs: 40 },
    });
    await waitFor(() => consumer.states.filter((change) => change.state === "failed").length >= 4, "four failures");
    const failures = consumer.states.filter((change) => change.state === "failed");
    expect(failures.slice(0, 4).map((change) => change.retryInMs)).toEqual([10, 20, 40, 40]);
    expect(failures[0]?.reason).toContain("Full Disk Access");
    expect(consumer.states.some((change) => change.state === "connected")).toBe(false);
  });

  it("detects a silent stream, resubscribes, restarts imsg and loses nothing", async () => {
    const logger = recordingLogger();
    let started = 0;
    const consumer = supervise({
      // Only the first child goes silent after two notifications, as a watcher does after a WAL rotation.
      createTransport: () => sim.transport(started++ === 0 ? ["--fault-silent-after", "2"] : []),
      cursor: 10,
      logger,
      liveness: { intervalMs: 50, graceMs: 100 },
    });
    await waitFor(() => consumer.states.some((change) => change.state === "connected"), "connected");
    const rowids = injectRows(5, "silent");
    await waitFor(() => consumer.delivered.length >= 5, "every row after recovery");
    expect(consumer.delivered.map((message) => message.id)).toEqual(rowids);
    expect(logger.find("resubscribing from the cursor")).toBeDefined();
    expect(logger.find("restarting imsg")).toBeDefined();
    expect(started).toBeGreaterThanOrEqual(2);
  });

  it("logs a throwing message listener and keeps streaming on the same child", async () => {
    const logger = recordingLogger();
    const consumer = supervise({ createTransport: () => sim.transport(), cursor: 10, logger });
    supervisor?.prependListener("message", (message) => {
      if (message.text.startsWith("poison")) throw new Error("consumer bug");
    });
    await waitFor(() => consumer.states.some((change) => change.state === "connected"), "connected");
    injectRows(1, "poison");
    const rowids = injectRows(1, "fine");
    await waitFor(() => consumer.delivered.some((message) => message.id === rowids[0]), "the next row");
    expect(logger.find("a message listener threw")?.fields.reason).toBe("consumer bug");
    expect(sim.transports).toHaveLength(1);
  });

  it("stops even when stop() comes while the child is still starting", async () => {
    const consumer = supervise({ createTransport: () => sim.transport(), cursor: 10 });
    await supervisor?.stop();
    expect(consumer.states.at(-1)?.state).toBe("stopped");
    expect(consumer.states.some((change) => change.state === "connected")).toBe(false);
    await waitFor(() => sim.transports.every((transport) => !transport.running), "every child to exit");
  });

  it("stops cleanly and reports the stopped state", async () => {
    const consumer = supervise({ createTransport: () => sim.transport() });
    await waitFor(() => consumer.states.some((change) => change.state === "connected"), "connected");
    expect(supervisor?.requireClient()).toBeDefined();
    await supervisor?.stop();
    expect(consumer.states.at(-1)?.state).toBe("stopped");
    expect(currentTransport().running).toBe(false);
    expect(() => supervisor?.requireClient()).toThrow(/not connected/);
  });
});

describe("ImsgSupervisor with a scripted imsg", () => {
  it("resubscribes from the cursor after an error notification, without restarting the child", async () => {
    let stderr = "";
    const transport = scriptedTransport({
      answers: {
        "watch.subscribe": [
          {
            result: { subscription: 1 },
            after: [
              messageNotificationLine(1, 21),
              '{"jsonrpc":"2.0","method":"error","params":{"subscription":1,"error":{"message":"disk I/O error"}}}',
            ],
          },
          { result: { subscription: 2 }, after: [messageNotificationLine(2, 22)] },
        ],
      },
    });
    transport.on("stderr", (text) => {
      stderr += text;
    });
    let created = 0;
    const consumer = supervise({
      createTransport: () => {
        created += 1;
        return transport;
      },
      cursor: 20,
    });
    await waitFor(() => consumer.delivered.length >= 2, "both rows");
    expect(consumer.delivered.map((message) => message.id)).toEqual([21, 22]);
    expect(created).toBe(1);
    const subscribes = requestsSeen(stderr).filter((request) => request.method === "watch.subscribe");
    expect(subscribes.map((request) => request.params?.since_rowid)).toEqual([20, 21]);
  });
});

describe("ImsgSupervisor on imsg 0.15's bounded stream", () => {
  it("reads the rows an overflow dropped with messages.after, each once and in order, then streams on after them", async () => {
    const requestLog = `${sim.directory}/requests.jsonl`;
    const consumer = supervise({
      createTransport: () =>
        sim.transport(["--imsg-version", "0.15.10", "--fault-watch-overflow-after", "3", "--request-log", requestLog]),
    });
    await waitFor(() => consumer.states.some((change) => change.state === "connected"), "connected");
    const burst = injectRows(12, "burst");
    await waitFor(() => consumer.delivered.length >= 12, "the burst");
    const later = injectRows(2, "later");
    await waitFor(() => consumer.delivered.length >= 14, "the rows after it");
    expect(consumer.delivered.map((message) => message.id)).toEqual([...burst, ...later]);
    // Every row says how far the stream had read once it was handed out, paged rows included.
    for (const message of consumer.delivered) expect(message.cursor).toBeGreaterThanOrEqual(message.id);
    const requests = readRequestLog(requestLog).flatMap((record) => (record.kind === "rpc" ? [record] : []));
    expect(requests.some((request) => request.method === "messages.after")).toBe(true);
    const subscribes = requests.filter((request) => request.method === "watch.subscribe");
    expect(subscribes[0]?.params).toMatchObject({ buffer_limit: watchBufferLimit });
  });

  it("does not take a cursor above what history shows (a tapback row) for a replaced database", async () => {
    const logger = recordingLogger();
    const replaced: number[] = [];
    const consumer = supervise({
      createTransport: () => sim.transport(["--imsg-version", "0.15.10"]),
      watch: { debounceMs: 0, includeReactions: true },
      liveness: { intervalMs: 50, graceMs: 100 },
      logger,
    });
    supervisor?.on("database-replaced", ({ rowid }) => replaced.push(rowid));
    await waitFor(() => consumer.states.some((change) => change.state === "connected"), "connected");
    const text = inject(sim.dbPath, { from: "+15551234567", text: "react to me" });
    const tapback = inject(sim.dbPath, { from: "+15551234567", tapback: { kind: "love", target: text.guid } });
    await waitFor(() => consumer.delivered.some((message) => message.id === tapback.rowid), "the tapback row");
    // Several liveness checks see history's newest row (the text) below the cursor (the tapback).
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(replaced).toEqual([]);
    expect(logger.find("the Messages database was replaced")).toBeUndefined();
  });

  it("asks no buffer_limit of an imsg before 0.14, which has no bounded stream", async () => {
    const requestLog = `${sim.directory}/requests.jsonl`;
    const consumer = supervise({
      createTransport: () => sim.transport(["--imsg-version", "0.9.0", "--request-log", requestLog]),
    });
    await waitFor(() => consumer.states.some((change) => change.state === "connected"), "connected");
    const subscribe = readRequestLog(requestLog).find(
      (record) => record.kind === "rpc" && record.method === "watch.subscribe",
    );
    expect(subscribe).toBeDefined();
    expect(subscribe?.kind === "rpc" ? subscribe.params : undefined).not.toHaveProperty("buffer_limit");
  });
});

describe("ImsgSupervisor backoff and liveness with scripted children", () => {
  it("keeps the retry delay short when each connection was healthy for a minute", async () => {
    let offsetMs = 0;
    const clock = {
      now: () => Date.now() + offsetMs,
      setTimeout: (callback: () => void, milliseconds: number) => setTimeout(callback, milliseconds),
      clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    };
    const crashing = () =>
      scriptedTransport({ answers: { "watch.subscribe": { result: { subscription: 1 }, exitAfter: 137 } } });
    const healthy = supervise({ createTransport: crashing, cursor: 1, clock });
    supervisor?.on("state", (change) => {
      // A minute passes on the injected clock while each child is connected.
      if (change.state === "connected") offsetMs += 61_000;
    });
    await waitFor(
      () => healthy.states.filter((change) => change.state === "reconnecting").length >= 3,
      "three crashes",
    );
    const healthyDelays = healthy.states
      .filter((change) => change.state === "reconnecting")
      .map((change) => change.retryInMs);
    expect(healthyDelays.slice(0, 3)).toEqual([20, 20, 20]);
    await supervisor?.stop();

    const flapping = supervise({ createTransport: crashing, cursor: 1 });
    await waitFor(
      () => flapping.states.filter((change) => change.state === "reconnecting").length >= 3,
      "three crashes",
    );
    const flappingDelays = flapping.states
      .filter((change) => change.state === "reconnecting")
      .map((change) => change.retryInMs);
    expect(flappingDelays.slice(0, 3)).toEqual([20, 40, 80]);
  });

  it("restarts a child whose liveness probes keep timing out", async () => {
    const logger = recordingLogger();
    let created = 0;
    const consumer = supervise({
      createTransport: () => {
        created += 1;
        return scriptedTransport({
          answers: { "watch.subscribe": { result: { subscription: 1 } }, "chats.list": { silent: true } },
        });
      },
      cursor: 5,
      logger,
      liveness: { intervalMs: 20, graceMs: 1000, probeTimeoutMs: 50 },
    });
    await waitFor(() => created >= 2, "a restart");
    expect(logger.entries.filter((entry) => entry.message === "liveness check failed").length).toBeGreaterThanOrEqual(
      2,
    );
    expect(consumer.states.map((change) => change.state)).toContain("reconnecting");
  });
});
