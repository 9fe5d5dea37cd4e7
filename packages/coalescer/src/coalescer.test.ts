import { errorMessage } from "@imessage-channel/kit";
import { describe, expect, it } from "vitest";
import { type CoalescerOptions, createCoalescer } from "./coalescer.ts";
import { CoalescerError } from "./coalescer-error.ts";
import { imsgMessageAccessors } from "./imsg-message.ts";
import type { CoalescedTurn } from "./merge.ts";
import { FakeClock } from "./test-support/fake-clock.ts";
import { dm, groupRow, type TestAttachment, type TestMessage } from "./test-support/messages.ts";

type Turn = CoalescedTurn<TestMessage, TestAttachment>;

function setup(windowMs: number, overrides: Partial<CoalescerOptions<TestMessage, TestAttachment>> = {}) {
  const clock = new FakeClock();
  const turns: Turn[] = [];
  const coalescer = createCoalescer<TestMessage, TestAttachment>({
    ...imsgMessageAccessors<TestAttachment, TestMessage>("default"),
    windowMs,
    clock,
    onTurn: (turn) => turns.push(turn),
    ...overrides,
  });
  return { clock, turns, coalescer };
}

const image = { filename: "~/Library/Messages/Attachments/ab/01/X/image.jpg" };

describe("the reference's scenario table", () => {
  describe("Dump https://example.com (one send, 2 rows ~1 s apart)", () => {
    it("flag off: two agent turns, the command alone then the URL", () => {
      const { clock, turns, coalescer } = setup(0);
      coalescer.push(dm("Dump"));
      clock.advance(1000);
      coalescer.push(dm("https://example.com"));
      expect(turns.map((turn) => turn.text)).toEqual(["Dump", "https://example.com"]);
    });

    it("flag on: one turn with the merged text, sent as soon as the URL balloon lands", () => {
      const { clock, turns, coalescer } = setup(2500);
      const command = dm("Dump");
      const balloon = dm("https://example.com", { attachments: [{ filename: "og-preview.png" }] });
      coalescer.push(command);
      clock.advance(1000);
      expect(turns).toEqual([]);
      coalescer.push(balloon);
      expect(turns).toHaveLength(1);
      expect(turns[0]).toMatchObject({
        text: "Dump https://example.com",
        attachments: [{ filename: "og-preview.png" }],
        coalescedMessageGuids: [command.guid, balloon.guid],
        rowCount: 2,
        merged: true,
      });
      expect(coalescer.bufferedRowCount).toBe(0);
    });
  });

  describe("read this https://example.com (a split send whose text row already carries the URL)", () => {
    it("flag on, imsg before 0.11.1: one turn with the URL once, both guids kept", () => {
      const { clock, turns, coalescer } = setup(2500);
      const text = dm("read this https://example.com/article");
      const balloon = dm("https://example.com/article/");
      coalescer.push(text);
      clock.advance(1000);
      coalescer.push(balloon);
      expect(turns).toHaveLength(1);
      expect(turns[0]).toMatchObject({
        text: "read this https://example.com/article",
        coalescedMessageGuids: [text.guid, balloon.guid],
        merged: true,
      });
    });

    it("flag on, imsg 0.11.1+: the folded row (url_preview) skips the window and goes out at once, unchanged", () => {
      const { turns, coalescer } = setup(2500);
      const folded = dm("read this https://example.com/article", {
        urlPreview: { guid: "PREVIEW-GUID" },
      });
      coalescer.push(folded);
      expect(turns.map((turn) => [turn.text, turn.merged, turn.coalescedMessageGuids])).toEqual([
        ["read this https://example.com/article", false, [folded.guid]],
      ]);
      expect(coalescer.bufferedRowCount).toBe(0);
    });

    it("flag on, imsg 0.11.1+: a folded row closes a command already waiting, keeping their order and one URL", () => {
      const { clock, turns, coalescer } = setup(2500);
      coalescer.push(dm("Dump"));
      clock.advance(2000);
      coalescer.push(dm("https://example.com/article", { urlPreview: { guid: "PREVIEW-GUID" } }));
      expect(turns.map((turn) => turn.text)).toEqual(["Dump https://example.com/article"]);
    });

    it("keeps a second, different link of the same flood", () => {
      const { clock, turns, coalescer } = setup(2500);
      coalescer.push(dm("compare https://example.com/a"));
      clock.advance(500);
      coalescer.push(dm("https://example.com/b"));
      expect(turns.map((turn) => turn.text)).toEqual(["compare https://example.com/a https://example.com/b"]);
    });
  });

  describe("Save this 📎image.jpg caption (attachment + text, 2 rows)", () => {
    it("flag off: two turns, the image stays on its own row's turn", () => {
      const { turns, coalescer } = setup(0);
      coalescer.push(dm("Save this caption"));
      coalescer.push(dm("\uFFFC", { attachments: [image] }));
      expect(turns.map((turn) => [turn.text, turn.attachments])).toEqual([
        ["Save this caption", []],
        ["\uFFFC", [image]],
      ]);
    });

    it("flag on: one turn with the text and the image preserved", () => {
      const { clock, turns, coalescer } = setup(2500);
      coalescer.push(dm("\uFFFC", { attachments: [image] }));
      clock.advance(900);
      coalescer.push(dm("Save this caption"));
      clock.advance(2500);
      expect(turns).toHaveLength(1);
      expect(turns[0]).toMatchObject({ text: "Save this caption", attachments: [image], merged: true });
    });
  });

  describe("/status (standalone command, 1 row)", () => {
    it("flag off: instant dispatch", () => {
      const { turns, coalescer } = setup(0);
      coalescer.push(dm("/status"));
      expect(turns.map((turn) => turn.text)).toEqual(["/status"]);
    });

    it("flag on: waits the window, then dispatches the row unchanged", () => {
      const { clock, turns, coalescer } = setup(2500);
      const row = dm("/status");
      coalescer.push(row);
      clock.advance(2499);
      expect(turns).toEqual([]);
      clock.advance(1);
      expect(turns).toEqual([
        {
          key: JSON.stringify(["default", 1, "+15555550123"]),
          text: "/status",
          attachments: [],
          entries: [row],
          coalescedMessageGuids: [row.guid],
          rowCount: 1,
          merged: false,
          textTruncated: false,
          droppedAttachmentCount: 0,
          droppedEntryCount: 0,
        },
      ]);
    });
  });

  describe("URL pasted alone (1 row)", () => {
    it.each([0, 2500])("window %d ms: instant dispatch", (windowMs) => {
      const { turns, coalescer } = setup(windowMs);
      coalescer.push(dm("https://example.com/article"));
      expect(turns.map((turn) => [turn.text, turn.merged])).toEqual([["https://example.com/article", false]]);
    });
  });

  describe("text + URL sent as two deliberate messages minutes apart", () => {
    it.each([0, 2500])("window %d ms: two turns, the window expires between them", (windowMs) => {
      const { clock, turns, coalescer } = setup(windowMs);
      coalescer.push(dm("Have a look at this later"));
      clock.advance(3 * 60_000);
      coalescer.push(dm("https://example.com"));
      expect(turns.map((turn) => turn.text)).toEqual(["Have a look at this later", "https://example.com"]);
    });
  });

  describe("rapid flood (>10 small DMs inside the window)", () => {
    it("flag off: N turns", () => {
      const { turns, coalescer } = setup(0);
      for (let index = 1; index <= 12; index++) coalescer.push(dm(`m${index}`));
      expect(turns).toHaveLength(12);
    });

    it("flag on: one turn keeping the first and the latest entries", () => {
      const { clock, turns, coalescer } = setup(2500);
      const rows = Array.from({ length: 12 }, (_, index) => dm(`m${index + 1}`));
      for (const row of rows) {
        coalescer.push(row);
        clock.advance(100);
      }
      clock.advance(2500);
      expect(turns).toHaveLength(1);
      const [turn] = turns as [Turn];
      expect(turn.entries).toEqual([rows[0], ...rows.slice(3)]);
      expect(turn.droppedEntryCount).toBe(2);
      expect(turn.coalescedMessageGuids).toEqual(rows.map((row) => row.guid));
      // The agent sees the kept entries only: m2 and m3 are gone from the text, still tracked by guid.
      expect(turn.text).toBe([rows[0]!, ...rows.slice(3)].map((row) => row.text).join(" "));
    });
  });

  describe("two people typing in a group chat", () => {
    it.each([0, 2500])("window %d ms: one turn per row, dispatched at once", (windowMs) => {
      const { turns, coalescer } = setup(windowMs);
      coalescer.push(groupRow("+15555550001", "hi"));
      coalescer.push(groupRow("+15555550002", "hey"));
      coalescer.push(groupRow("+15555550001", "https://example.com"));
      coalescer.push(groupRow("+15555550001", "look"));
      expect(turns.map((turn) => [turn.text, turn.key, turn.merged])).toEqual([
        ["hi", undefined, false],
        ["hey", undefined, false],
        ["https://example.com", undefined, false],
        ["look", undefined, false],
      ]);
      expect(coalescer.bufferedRowCount).toBe(0);
    });
  });
});

describe("window boundaries", () => {
  it("merges a row arriving 1 ms before the window ends", () => {
    const { clock, turns, coalescer } = setup(2500);
    coalescer.push(dm("one"));
    clock.advance(2499);
    coalescer.push(dm("two"));
    clock.advance(2500);
    expect(turns.map((turn) => turn.text)).toEqual(["one two"]);
  });

  it("starts a new bucket for a row arriving exactly at the window's end", () => {
    const { clock, turns, coalescer } = setup(2500);
    coalescer.push(dm("one"));
    clock.advance(2500);
    coalescer.push(dm("two"));
    clock.advance(2500);
    expect(turns.map((turn) => turn.text)).toEqual(["one", "two"]);
  });

  it("emits an expired bucket before a newer row even when its timer has not fired yet", () => {
    const { clock, turns, coalescer } = setup(2500);
    coalescer.push(dm("one"));
    coalescer.push(dm("other chat", { chatId: 2 }));
    clock.jump(2500);
    coalescer.push(dm("two"));
    expect(turns.map((turn) => turn.text)).toEqual(["one", "other chat"]);
    clock.advance(2500);
    expect(turns.map((turn) => turn.text)).toEqual(["one", "other chat", "two"]);
  });

  it("slides the window with each row, bounded by maxWaitMs from the first row", () => {
    const { clock, turns, coalescer } = setup(2500);
    coalescer.push(dm("a"));
    clock.advance(2000);
    coalescer.push(dm("b"));
    clock.advance(2000);
    coalescer.push(dm("c"));
    clock.advance(999);
    expect(turns).toEqual([]);
    clock.advance(1);
    expect(turns.map((turn) => turn.text)).toEqual(["a b c"]);
  });

  it("honours an explicit maxWaitMs", () => {
    const { clock, turns, coalescer } = setup(1000, { maxWaitMs: 1500 });
    coalescer.push(dm("a"));
    clock.advance(900);
    coalescer.push(dm("b"));
    clock.advance(600);
    expect(turns.map((turn) => turn.text)).toEqual(["a b"]);
  });

  it.each([
    [-1, undefined],
    [Number.NaN, undefined],
    [1000, 500],
  ])("refuses windowMs %d with maxWaitMs %d", (windowMs, maxWaitMs) => {
    let error: unknown;
    try {
      setup(windowMs, { maxWaitMs });
    } catch (caught) {
      error = caught;
    }
    expect(CoalescerError.isInstance(error) && error.code).toBe("WINDOW_INVALID");
  });
});

describe("keys", () => {
  it("keeps interleaved senders in their own buckets, each in arrival order", () => {
    const { clock, turns, coalescer } = setup(2500);
    coalescer.push(dm("Dump", { chatId: 1, sender: "+15555550001" }));
    clock.advance(300);
    coalescer.push(dm("hello", { chatId: 2, sender: "+15555550002" }));
    clock.advance(300);
    coalescer.push(dm("there", { chatId: 2, sender: "+15555550002" }));
    clock.advance(300);
    coalescer.push(dm("https://example.com", { chatId: 1, sender: "+15555550001" }));
    expect(turns.map((turn) => turn.text)).toEqual(["Dump https://example.com"]);
    clock.advance(2500);
    expect(turns.map((turn) => turn.text)).toEqual(["Dump https://example.com", "hello there"]);
  });

  it("never merges rows of two accounts watching the same chat and sender", () => {
    const clock = new FakeClock();
    const turns: Turn[] = [];
    const options = { windowMs: 2500, clock, onTurn: (turn: Turn) => turns.push(turn) };
    const work = createCoalescer({ ...imsgMessageAccessors<TestAttachment, TestMessage>("work"), ...options });
    const home = createCoalescer({ ...imsgMessageAccessors<TestAttachment, TestMessage>("home"), ...options });
    work.push(dm("a"));
    home.push(dm("b"));
    clock.advance(2500);
    expect(turns.map((turn) => turn.text)).toEqual(["a", "b"]);
    expect(turns[0]?.key).not.toBe(turns[1]?.key);
  });

  it("treats a configured group-ish chat as a group through the isGroup callback", () => {
    const clock = new FakeClock();
    const turns: Turn[] = [];
    const coalescer = createCoalescer<TestMessage, TestAttachment>({
      ...imsgMessageAccessors<TestAttachment, TestMessage>("default", (message) => message.chatId === 8421),
      windowMs: 2500,
      clock,
      onTurn: (turn) => turns.push(turn),
    });
    coalescer.push(dm("one", { chatId: 8421 }));
    coalescer.push(dm("two", { chatId: 8421 }));
    expect(turns.map((turn) => turn.text)).toEqual(["one", "two"]);
  });

  it("passes tapback rows through without touching the sender's bucket", () => {
    const { clock, turns, coalescer } = setup(2500);
    coalescer.push(dm("Dump"));
    coalescer.push(dm("Loved “hi”", { isReaction: true }));
    expect(turns.map((turn) => turn.text)).toEqual(["Loved “hi”"]);
    clock.advance(2500);
    expect(turns.map((turn) => turn.text)).toEqual(["Loved “hi”", "Dump"]);
  });
});

describe("bounded output", () => {
  it("merges a flood of 50 rows in the window into one turn of the first and the latest 9 entries", () => {
    const { clock, turns, coalescer } = setup(2500);
    const rows = Array.from({ length: 50 }, (_, index) =>
      dm(`${String(index).padStart(2, "0")} ${"x".repeat(497)}`, {
        attachments: [{ filename: `f${index}a.jpg` }, { filename: `f${index}b.jpg` }, { filename: `f${index}c.jpg` }],
      }),
    );
    for (const row of rows) {
      coalescer.push(row);
      clock.advance(40);
    }
    expect(turns).toEqual([]);
    expect(coalescer.bufferedRowCount).toBe(50);
    clock.advance(2500);
    expect(turns).toHaveLength(1);
    const [turn] = turns as [Turn];
    expect(turn.rowCount).toBe(50);
    // Ten entries of 500 characters: the 4000-character cap still applies to what they say.
    expect(turn.text).toHaveLength(4000);
    expect(turn.text.endsWith("…[truncated]")).toBe(true);
    expect(turn.text.startsWith(`00 ${"x".repeat(497)} 41 `)).toBe(true);
    expect(turn.textTruncated).toBe(true);
    const kept = [0, 41, 42, 43, 44, 45, 46].flatMap((index) => ["a", "b", "c"].map((part) => `f${index}${part}.jpg`));
    expect(turn.attachments.map((attachment) => attachment.filename)).toEqual(kept.slice(0, 20));
    expect(turn.droppedAttachmentCount).toBe(150 - 20);
    expect(turn.entries).toEqual([rows[0], ...rows.slice(41)]);
    expect(turn.droppedEntryCount).toBe(40);
    expect(turn.coalescedMessageGuids).toEqual(rows.map((row) => row.guid));
  });

  it("skips empty and placeholder-only texts and trims each part before joining", () => {
    const { clock, turns, coalescer } = setup(2500);
    coalescer.push(dm("  Dump  "));
    coalescer.push(dm(""));
    coalescer.push(dm("\uFFFC\uFFFC", { attachments: [image] }));
    coalescer.push(dm("   "));
    coalescer.push(dm("now"));
    clock.advance(2500);
    expect(turns.map((turn) => [turn.text, turn.attachments])).toEqual([["Dump now", [image]]]);
  });

  it("passes a single row through unchanged, placeholders, spaces and attachments included", () => {
    const { clock, turns, coalescer } = setup(2500);
    const attachments = Array.from({ length: 25 }, (_, index) => ({ filename: `f${index}` }));
    const row = dm(" \uFFFC Dump https://example.com ", { attachments });
    coalescer.push(row);
    clock.advance(2500);
    expect(turns[0]).toMatchObject({ text: row.text, attachments, merged: false, droppedAttachmentCount: 0 });
  });
});

describe("shutdown and delivery", () => {
  it("flushes every buffered bucket on close, oldest first, and passes later rows straight through", () => {
    const { clock, turns, coalescer } = setup(2500);
    coalescer.push(dm("first", { chatId: 1 }));
    coalescer.push(dm("second", { chatId: 2 }));
    coalescer.push(dm("first again", { chatId: 1 }));
    expect(coalescer.bufferedRowCount).toBe(3);
    coalescer.close();
    expect(turns.map((turn) => turn.text)).toEqual(["first first again", "second"]);
    expect(coalescer.bufferedRowCount).toBe(0);
    expect(clock.pendingTimerCount).toBe(0);
    coalescer.push(dm("late"));
    expect(turns.map((turn) => turn.text)).toEqual(["first first again", "second", "late"]);
    clock.advance(10_000);
    expect(turns).toHaveLength(3);
  });

  it("flush emits everything buffered and keeps coalescing afterwards", () => {
    const { clock, turns, coalescer } = setup(2500);
    coalescer.push(dm("a"));
    coalescer.flush();
    coalescer.push(dm("b"));
    coalescer.push(dm("c"));
    clock.advance(2500);
    expect(turns.map((turn) => turn.text)).toEqual(["a", "b c"]);
  });

  it("delivers every bucket on flush even when one delivery throws, then reports the throw", () => {
    const turns: string[] = [];
    const { coalescer } = setup(2500, {
      onTurn: (turn) => {
        turns.push(turn.text);
        if (turn.text === "a") throw new Error("agent down");
      },
    });
    coalescer.push(dm("a", { chatId: 1 }));
    coalescer.push(dm("b", { chatId: 2 }));
    expect(() => coalescer.flush()).toThrow("agent down");
    expect(turns).toEqual(["a", "b"]);
    expect(coalescer.bufferedRowCount).toBe(0);
  });

  it("hands a throw from a timer-driven delivery to onError with its turn", () => {
    const errors: [string, string][] = [];
    const { clock, coalescer } = setup(2500, {
      onTurn: () => {
        throw new Error("agent down");
      },
      onError: (error, turn) => errors.push([errorMessage(error), turn.text]),
    });
    coalescer.push(dm("a"));
    clock.advance(2500);
    expect(errors).toEqual([["agent down", "a"]]);
  });
});
