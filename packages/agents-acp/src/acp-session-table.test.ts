// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AcpProcess } from "./acp-process.ts";
import { type AcpMode, type AcpSessionTable, createAcpSessionTable } from "./acp-session-table.ts";
import { createMemoryAcpSessionStore } from "./session-store.ts";
import { type AcpFixture, createAcpFixture } from "./test-support/acp-fixture.ts";

let fixture: AcpFixture;
const processes: AcpProcess[] = [];

beforeEach(async () => {
  fixture = await createAcpFixture();
});

afterEach(async () => {
  await Promise.all(processes.splice(0).map((agentProcess) => agentProcess.kill()));
  await fixture.cleanup();
});

async function startAgent(options: { load?: boolean } = {}): Promise<AcpProcess> {
  const agentProcess = await AcpProcess.start({
    agent: "fixture",
    command: fixture.command(options),
    cwd: fixture.directory,
    startTimeoutMs: 30_000,
    onUpdate: () => {},
    onPermission: () => ({ outcome: { outcome: "cancelled" } }),
  });
  processes.push(agentProcess);
  return agentProcess;
}

function table(mode: AcpMode = "persistent", store = createMemoryAcpSessionStore()): AcpSessionTable {
  return createAcpSessionTable({ agent: "fixture", mode, store, cwdOf: async () => fixture.directory });
}

describe("ACP session table", () => {
  it("opens one session for concurrent turns of a key and keeps it for the next", async () => {
    const agentProcess = await startAgent();
    const store = createMemoryAcpSessionStore();
    const sessions = table("persistent", store);
    const [first, second] = await Promise.all([
      sessions.sessionFor("key", agentProcess),
      sessions.sessionFor("key", agentProcess),
    ]);
    expect(second).toBe(first);
    expect(await sessions.sessionFor("key", agentProcess)).toBe(first);
    expect(fixture.events("session/new").map((event) => event.sessionId)).toEqual([first.sessionId]);
    expect(store.entries.get("key")).toBe(first.sessionId);
    expect(first).toMatchObject({ prompted: false, notice: undefined });
  });

  it("resumes the key's session in a restarted process, ready for a prompt without the system prompt", async () => {
    const store = createMemoryAcpSessionStore();
    const sessions = table("persistent", store);
    const before = await sessions.sessionFor("key", await startAgent({ load: true }));
    const restarted = await startAgent({ load: true });
    const after = await sessions.sessionFor("key", restarted);
    expect(after).toMatchObject({ sessionId: before.sessionId, process: restarted, prompted: true });
    expect(fixture.events("session/load").map((event) => event.sessionId)).toEqual([before.sessionId]);
  });

  it("opens a new session with a notice when the stored one cannot be resumed", async () => {
    const store = createMemoryAcpSessionStore();
    store.set("key", "fixture-gone");
    const session = await table("persistent", store).sessionFor("key", await startAgent({ load: true }));
    expect(session.notice).toMatch(/^\(New fixture session: the previous one could not be resumed: .+\.\)$/);
    expect(store.entries.get("key")).toBe(session.sessionId);
  });

  it("shows the open session's id while its process runs, else the stored one", async () => {
    const store = createMemoryAcpSessionStore();
    const sessions = table("persistent", store);
    const agentProcess = await startAgent();
    const session = await sessions.sessionFor("key", agentProcess);
    expect(await sessions.sessionIdOf("key", agentProcess)).toBe(session.sessionId);
    store.set("key", "fixture-stored");
    expect(await sessions.sessionIdOf("key", undefined)).toBe("fixture-stored");
    sessions.clear();
    expect(await sessions.sessionIdOf("key", agentProcess)).toBe("fixture-stored");
  });

  it("closes the session and forgets its id on reset", async () => {
    const store = createMemoryAcpSessionStore();
    const sessions = table("persistent", store);
    const agentProcess = await startAgent();
    const before = await sessions.sessionFor("key", agentProcess);
    await sessions.reset("key");
    expect(store.entries.has("key")).toBe(false);
    expect(fixture.events("session/close").map((event) => event.sessionId)).toEqual([before.sessionId]);
    const after = await sessions.sessionFor("key", agentProcess);
    expect(after.sessionId).not.toBe(before.sessionId);
  });

  it("a reset during the session's open closes that session too, so the next turn starts a new one", async () => {
    const store = createMemoryAcpSessionStore();
    const sessions = table("persistent", store);
    const agentProcess = await startAgent();
    const opening = sessions.sessionFor("key", agentProcess);
    await sessions.reset("key");
    const opened = await opening;
    expect(store.entries.has("key")).toBe(false);
    expect(fixture.events("session/close").map((event) => event.sessionId)).toEqual([opened.sessionId]);
    const next = await sessions.sessionFor("key", agentProcess);
    expect(next.sessionId).not.toBe(opened.sessionId);
    expect(store.entries.get("key")).toBe(next.sessionId);
  });

  it("keeps and stores nothing in oneshot mode", async () => {
    const store = createMemoryAcpSessionStore();
    store.set("key", "fixture-stored");
    const sessions = table("oneshot", store);
    const agentProcess = await startAgent({ load: true });
    const first = await sessions.sessionFor("key", agentProcess);
    const second = await sessions.sessionFor("key", agentProcess);
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(first.notice).toBeUndefined();
    expect(store.entries.get("key")).toBe("fixture-stored");
    expect(fixture.events("session/new")).toHaveLength(2);
    expect(fixture.events("session/load")).toHaveLength(0);
  });
});
