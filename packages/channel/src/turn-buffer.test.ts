import type { DispatchDecision } from "@imessage-channel/policy";
import type { Message } from "@imessage-channel/rpc-client";
import { describe, expect, it } from "vitest";
import type { PendingRow, TurnRows } from "./pipeline-types.ts";
import { createTurnBuffer } from "./turn-buffer.ts";

/** A clock whose timers fire only when the test says so. */
function manualClock() {
  let now = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  let next = 1;
  return {
    now: () => now,
    setTimeout: (callback: () => void, delayMs: number) => {
      timers.set(next, { at: now + delayMs, callback });
      return next++;
    },
    clearTimeout: (handle: unknown) => timers.delete(handle as number),
    advance(ms: number, fire = true) {
      now += ms;
      if (!fire) return;
      for (const [id, timer] of [...timers]) {
        if (timer.at <= now) {
          timers.delete(id);
          timer.callback();
        }
      }
    },
  };
}

function row(id: number, text: string, isGroup = false): PendingRow {
  const message = {
    id,
    guid: `G-${id}`,
    chatId: 1,
    sender: "+15555550123",
    isFromMe: false,
    text,
    createdAt: new Date(0).toISOString(),
    attachments: [],
    reactions: [],
    chatIdentifier: "+15555550123",
    chatGuid: "iMessage;-;+15555550123",
    chatName: "",
    participants: [],
    isGroup,
  } satisfies Message;
  return { message, decision: { isGroup } as DispatchDecision, replayed: false };
}

describe("turn buffer", () => {
  it("merges a split send into one turn that carries every row", async () => {
    const clock = manualClock();
    const turns: TurnRows[] = [];
    const buffer = createTurnBuffer({
      accountId: "a",
      windowMs: 2500,
      clock,
      sink: async (turn) => void turns.push(turn),
      onError: () => {},
    });
    buffer.add(row(1, "Dump"));
    clock.advance(1000);
    buffer.add(row(2, "https://example.com/article"));
    await buffer.flush();
    expect(turns.map((turn) => [turn.text, turn.rows.map((r) => r.message.id)])).toEqual([
      ["Dump https://example.com/article", [1, 2]],
    ]);
  });

  it("sends a link send imsg already folded (url_preview) at once, without waiting the window", async () => {
    const clock = manualClock();
    const turns: TurnRows[] = [];
    const buffer = createTurnBuffer({
      accountId: "a",
      windowMs: 2500,
      clock,
      sink: async (turn) => void turns.push(turn),
      onError: () => {},
    });
    const folded = row(1, "read this https://example.com/article");
    folded.message.urlPreview = { id: 2, guid: "G-2" };
    buffer.add(folded);
    await Promise.resolve();
    expect(turns.map((turn) => [turn.text, turn.rows.length])).toEqual([["read this https://example.com/article", 1]]);
    expect(buffer.waitingRows()).toBe(0);
  });

  it("gives an expired bucket only its own rows when a new row of the key arrives before its timer fired", async () => {
    const clock = manualClock();
    const turns: TurnRows[] = [];
    const buffer = createTurnBuffer({
      accountId: "a",
      windowMs: 2500,
      clock,
      sink: async (turn) => void turns.push(turn),
      onError: () => {},
    });
    buffer.add(row(1, "first"));
    clock.advance(3000, false); // the window ran out but its timer has not fired yet
    buffer.add(row(2, "second"));
    clock.advance(3000);
    await buffer.flush();
    expect(turns.map((turn) => turn.rows.map((r) => r.message.id))).toEqual([[1], [2]]);
  });

  it("passes group rows straight through", async () => {
    const turns: TurnRows[] = [];
    const buffer = createTurnBuffer({
      accountId: "a",
      windowMs: 2500,
      clock: manualClock(),
      sink: async (turn) => void turns.push(turn),
      onError: () => {},
    });
    buffer.add(row(1, "one", true));
    buffer.add(row(2, "two", true));
    await buffer.flush();
    expect(turns.map((turn) => turn.text)).toEqual(["one", "two"]);
  });

  it("holds no row once its turn went out, with a 0 ms window (the default) or a real one", async () => {
    for (const windowMs of [0, 2500]) {
      const clock = manualClock();
      const turns: TurnRows[] = [];
      const buffer = createTurnBuffer({
        accountId: "a",
        windowMs,
        clock,
        sink: async (turn) => void turns.push(turn),
        onError: () => {},
      });
      for (let id = 1; id <= 1000; id++) {
        buffer.add(row(id, `dm ${id}`));
        clock.advance(3000);
      }
      await buffer.flush();
      expect(turns.flatMap((turn) => turn.rows)).toHaveLength(1000);
      expect(buffer.waitingRows(), `window ${windowMs} ms`).toBe(0);
    }
  });
});
