import { describe, expect, it } from "vitest";
import type { OutboundEvidence, OutgoingRow, PartRecord } from "./outbound-verdict.ts";
import { judgeSoak, type SoakEvidence, type SoakVerdict } from "./soak-verdict.ts";

const rows = (...guids: string[]) => guids.map((guid) => ({ guid, expected: "dispatch" as const }));

function evidence(overrides: Partial<SoakEvidence>): SoakEvidence {
  return {
    injected: rows("A", "B", "C"),
    agentTurns: [["A"], ["B", "C"]],
    replies: [["A"], ["B", "C"]],
    hardKills: [],
    ...overrides,
  };
}

describe("judging a soak run", () => {
  it("passes when every row was dispatched and answered once, coalesced turns included", () => {
    const verdict = judgeSoak(evidence({}));
    expect(verdict.ok).toBe(true);
    expect(verdict.expectedDispatches).toBe(3);
    expect(verdict.problems).toEqual([]);
  });

  it("fails on a row that never reached the agent, naming it", () => {
    const verdict = judgeSoak(evidence({ agentTurns: [["A"], ["B"]], replies: [["A"], ["B"]] }));
    expect(verdict.ok).toBe(false);
    expect(verdict.neverDispatched).toEqual(["C"]);
    expect(verdict.problems[0]).toBe("1 row(s) never reached the agent: C");
  });

  it("fails when a user's row that repeats the agent's reply is lost, naming it as a repeat", () => {
    const verdict = judgeSoak(
      evidence({
        injected: [...rows("A", "B", "C"), { guid: "R", expected: "dispatch", repeatsReply: true }],
      }),
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.neverDispatched).toEqual(["R"]);
    expect(verdict.lostRepeats).toEqual(["R"]);
    expect(verdict.problems[1]).toBe(
      "1 of the lost row(s) repeated a reply the agent had just sent (taken for an echo?): R",
    );
  });

  it("fails on a dispatched turn that was never answered", () => {
    const verdict = judgeSoak(evidence({ replies: [["A"]] }));
    expect(verdict.neverAnswered).toEqual(["B", "C"]);
    expect(verdict.ok).toBe(false);
  });

  it("fails when a row policy drops reaches the agent", () => {
    const verdict = judgeSoak(
      evidence({
        injected: [...rows("A", "B", "C"), { guid: "S", expected: "drop" }],
        agentTurns: [["A"], ["B", "C"], ["S"]],
      }),
    );
    expect(verdict.leakedToAgent).toEqual(["S"]);
    expect(verdict.ok).toBe(false);
  });

  it("fails on a repeat no SIGKILL explains", () => {
    const verdict = judgeSoak(
      evidence({ agentTurns: [["A"], ["A"], ["B", "C"]], replies: [["A"], ["A"], ["B", "C"]] }),
    );
    expect(verdict.repeatedDispatches).toEqual([{ guid: "A", times: 2, excused: false }]);
    expect(verdict.repeatedReplies).toEqual([{ guid: "A", times: 2, excused: false }]);
    expect(verdict.problems).toHaveLength(2);
  });

  it("excuses one repeated dispatch per SIGKILL that left the row claimed, and no more; never a repeated reply", () => {
    const once = judgeSoak(
      evidence({ agentTurns: [["A"], ["A"], ["B", "C"]], hardKills: [{ pid: 1, inDoubt: ["A"] }] }),
    );
    expect(once.ok).toBe(true);
    expect(once.repeatedDispatches).toEqual([{ guid: "A", times: 2, excused: true }]);
    const doubleReply = judgeSoak(
      evidence({ replies: [["A"], ["A"], ["B", "C"]], hardKills: [{ pid: 1, inDoubt: ["A"] }] }),
    );
    expect(doubleReply.repeatedReplies).toEqual([{ guid: "A", times: 2, excused: false }]);
    expect(doubleReply.ok).toBe(false);
    const thrice = judgeSoak(
      evidence({ agentTurns: [["A"], ["A"], ["A"], ["B", "C"]], hardKills: [{ pid: 1, inDoubt: ["A"] }] }),
    );
    expect(thrice.ok).toBe(false);
  });

  it("fails on a guid the soak never wrote", () => {
    const verdict = judgeSoak(evidence({ replies: [["A"], ["B", "C"], ["Z"]] }));
    expect(verdict.unknownGuids).toEqual(["Z"]);
    expect(verdict.ok).toBe(false);
  });
});

const chat = ["chat-identifier:+15555550101"];
const otherChat = ["chat-identifier:+15555550102"];
const sentAt = 1_000_000;

function part(overrides: Partial<PartRecord> & Pick<PartRecord, "id">): PartRecord {
  return {
    key: `reply:A#${overrides.id}`,
    deliveryId: "reply:A",
    origin: "reply",
    kind: "text",
    state: "delivered",
    mode: "tracked",
    text: "Ha, fair enough. (ack A)",
    chatKeys: chat,
    firstAttemptAt: sentAt,
    preview: "Ha, fair enough. (ack A)",
    ...overrides,
  };
}

function row(overrides: Partial<OutgoingRow> & Pick<OutgoingRow, "rowid">): OutgoingRow {
  return {
    guid: `row-${overrides.rowid}`,
    text: "Ha, fair enough. (ack A)",
    chatKeys: [...chat, "chat-id:1"],
    at: sentAt + 100,
    failed: false,
    ...overrides,
  };
}

/** Rows A, B and C answered in one reply each (A's by the parts and rows given). */
function withOutbound(outbound: OutboundEvidence, overrides: Partial<SoakEvidence> = {}): SoakVerdict {
  return judgeSoak(
    evidence({ agentTurns: [["A"], ["B"], ["C"]], replies: [["A"], ["B"], ["C"]], outbound, ...overrides }),
  );
}

describe("judging outbound parts by guid", () => {
  it("passes when every tracked part's guid and every history part's text is in chat.db once", () => {
    const verdict = withOutbound({
      parts: [
        part({ id: 1, guid: "G1" }),
        part({ id: 2, deliveryId: "reply:B", mode: "history", state: "sent", text: "B", preview: "B" }),
      ],
      rows: [row({ rowid: 10, guid: "g1" }), row({ rowid: 11, text: "B" })],
    });
    expect(verdict.problems).toEqual([]);
    expect(verdict.outbound).toMatchObject({ parts: 2, rows: 2, doubled: [], lostParts: [], unplannedRows: [] });
    expect(verdict.outbound?.partsByState.delivered).toBe(1);
    expect(verdict.outbound?.partsByMode).toEqual({ tracked: 1, history: 1 });
  });

  it("fails on a second row of a tracked part's text beside its own guid (an earlier attempt landed and it was sent again)", () => {
    const verdict = withOutbound({
      parts: [part({ id: 1, guid: "G1" })],
      rows: [row({ rowid: 10, guid: "G0" }), row({ rowid: 11, guid: "G1" })],
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.outbound?.doubled).toEqual([{ row: expect.objectContaining({ rowid: 10 }), partIds: [1] }]);
    expect(verdict.problems).toEqual([
      '1 outgoing row(s) repeat a part\'s message (doubled): rowid 10 G0 "Ha, fair enough. (ack A)" (part(s) 1)',
    ]);
  });

  it("fails when a history part's text is in its chat more often than the parts that may have sent it", () => {
    const twoChunks = [
      part({ id: 1, mode: "history", state: "sent" }),
      part({ id: 2, key: "reply:A#2", mode: "history", state: "unknown" }),
    ];
    const once = withOutbound({ parts: twoChunks, rows: [row({ rowid: 10 }), row({ rowid: 11 })] });
    expect(once.problems).toEqual([]);
    const thrice = withOutbound({
      parts: twoChunks,
      rows: [row({ rowid: 10 }), row({ rowid: 11 }), row({ rowid: 12 })],
    });
    expect(thrice.outbound?.doubled.map((doubled) => doubled.row.rowid)).toEqual([12]);
    expect(thrice.ok).toBe(false);
  });

  it("proves a tracked part by its guid alone: a row of its text under another guid is not its message", () => {
    const verdict = withOutbound({
      parts: [part({ id: 1, guid: "G1", state: "sent" })],
      rows: [row({ rowid: 10, guid: "G0" })],
    });
    expect(verdict.outbound?.lostParts).toEqual([
      { part: expect.objectContaining({ id: 1 }), why: "its guid G1 is not in chat.db" },
    ]);
    expect(verdict.outbound?.doubled).toHaveLength(1);
    expect(verdict.ok).toBe(false);
  });

  it("fails on a part that says sent while chat.db has no row for it (lost silently), tracked or history", () => {
    const verdict = withOutbound({
      parts: [
        part({ id: 1, guid: "G1", state: "sent" }),
        part({ id: 2, deliveryId: "reply:B", mode: "history", state: "sent", text: "B", preview: "B" }),
      ],
      rows: [],
    });
    expect(verdict.outbound?.lostParts.map((lost) => [lost.part.id, lost.why])).toEqual([
      [1, "its guid G1 is not in chat.db"],
      [2, "no outgoing row with its text in its chat since its first attempt"],
    ]);
    expect(verdict.problems[0]).toMatch(
      /^2 part\(s\) say sent but are not in chat\.db \(lost silently\): part 1 reply:A#1 sent G1/,
    );
  });

  it("does not take a row under a part's guid as its message when the row says something else", () => {
    const verdict = withOutbound({
      parts: [part({ id: 1, guid: "G1", state: "sent" })],
      rows: [row({ rowid: 10, guid: "G1", text: "something else" })],
    });
    expect(verdict.outbound?.lostParts.map((lost) => lost.part.id)).toEqual([1]);
    expect(verdict.outbound?.unplannedRows.map((unplanned) => unplanned.rowid)).toEqual([10]);
  });

  it("does not let two parts own one row: a history part that took another part's guid is lost", () => {
    const verdict = withOutbound({
      parts: [
        part({ id: 1, mode: "history", state: "sent", guid: "G1" }),
        part({ id: 2, key: "reply:A#2", mode: "history", state: "sent", guid: "G1" }),
      ],
      rows: [row({ rowid: 10, guid: "G1" })],
    });
    expect(verdict.outbound?.lostParts.map((lost) => lost.part.id)).toEqual([2]);
  });

  it("gives a row of a repeated text to a part that says sent before one that is unknown", () => {
    const verdict = withOutbound({
      parts: [
        part({ id: 1, mode: "history", state: "unknown", firstAttemptAt: sentAt - 500 }),
        part({ id: 2, key: "reply:A#2", mode: "history", state: "sent" }),
      ],
      rows: [row({ rowid: 10 })],
    });
    expect(verdict.problems).toEqual([]);
    expect(verdict.outbound?.unknown).toEqual([{ part: expect.objectContaining({ id: 1 }), landed: false }]);
  });

  it("counts only rows written since a part's first attempt (less 2 s) and in its chat as its message", () => {
    const early = withOutbound({
      parts: [part({ id: 1, mode: "history", state: "sent" })],
      rows: [row({ rowid: 10, at: sentAt - 5_000 })],
    });
    expect(early.outbound?.lostParts.map((lost) => lost.part.id)).toEqual([1]);
    expect(early.outbound?.unplannedRows.map((unplanned) => unplanned.rowid)).toEqual([10]);
    const elsewhere = withOutbound({
      parts: [part({ id: 1, mode: "history", state: "sent" })],
      rows: [row({ rowid: 10, chatKeys: otherChat }), row({ rowid: 11, at: sentAt + 200 })],
    });
    expect(elsewhere.outbound?.doubled).toEqual([]);
    expect(elsewhere.outbound?.unplannedRows.map((unplanned) => unplanned.rowid)).toEqual([10]);
    expect(elsewhere.ok).toBe(false);
  });

  it("fails on an outgoing row no part sends: every message the gateway sends must be a part", () => {
    const verdict = withOutbound({
      parts: [part({ id: 1, guid: "G1" })],
      rows: [row({ rowid: 10, guid: "G1" }), row({ rowid: 11, guid: "X", text: "hello" })],
    });
    expect(verdict.problems).toEqual(['1 outgoing row(s) no outbound part sends: rowid 11 X "hello"']);
  });

  it("fails on an agent reply not all in chat.db when none of its parts was reported unknown or failed", () => {
    const parts = [
      part({ id: 1, guid: "G1" }),
      part({ id: 2, key: "reply:A#2", guid: "G2", state: "planned", text: "second chunk", firstAttemptAt: undefined }),
    ];
    const verdict = withOutbound({ parts, rows: [row({ rowid: 10, guid: "G1" })] });
    expect(verdict.outbound?.lostReplies).toEqual([
      { deliveryId: "reply:A", missing: [expect.objectContaining({ id: 2 })] },
    ]);
    expect(verdict.outbound?.lostParts).toEqual([]);
    expect(verdict.ok).toBe(false);
    const reported = withOutbound({
      parts: [...parts, part({ id: 3, key: "reply:A#3", guid: "G3", state: "failed", text: "third chunk" })],
      rows: [row({ rowid: 10, guid: "G1" })],
    });
    expect(reported.outbound?.lostReplies).toEqual([]);
  });

  it("fails on a part marked failed whose message is in chat.db, and not on one whose row Messages marked failed", () => {
    const failedTracked = part({ id: 1, guid: "G1", state: "failed", detail: "Messages marked the message G1 failed" });
    const tracked = withOutbound({ parts: [failedTracked], rows: [row({ rowid: 10, guid: "G1", failed: true })] });
    expect(tracked.outbound?.failed).toEqual([
      { part: failedTracked, landed: true, row: expect.objectContaining({ rowid: 10 }) },
    ]);
    expect(tracked.outbound?.falselyFailed).toEqual([]);
    const refused = part({
      id: 1,
      mode: "history",
      state: "failed",
      detail: "imsg send failed: -32603 Internal error",
    });
    const verdict = withOutbound({ parts: [refused], rows: [row({ rowid: 10 })] });
    expect(verdict.outbound?.falselyFailed).toEqual([
      { part: refused, landed: true, row: expect.objectContaining({ rowid: 10 }) },
    ]);
    expect(verdict.problems).toEqual([
      "1 part(s) marked failed whose message is in chat.db (falsely failed): part 1 reply:A#1 failed (rowid 10 row-10): imsg send failed: -32603 Internal error",
    ]);
    expect(withOutbound({ parts: [refused], rows: [] }).outbound?.falselyFailed).toEqual([]);
  });

  it("reports an unknown part, landed or not, without failing, and excuses its row's missing answer only", () => {
    const unknown = part({ id: 1, guid: "G1", state: "unknown", detail: "send.tracked: -32001 may_have_completed" });
    const verdict = withOutbound({ parts: [unknown], rows: [] }, { replies: [["B"], ["C"]] });
    expect(verdict.ok).toBe(true);
    expect(verdict.neverAnswered).toEqual([]);
    expect(verdict.answerUnknown).toEqual(["A"]);
    expect(verdict.outbound?.unknown).toEqual([{ part: unknown, landed: false }]);
    const landed = withOutbound({ parts: [unknown], rows: [row({ rowid: 10, guid: "G1" })] });
    expect(landed.outbound?.unknown).toEqual([
      { part: unknown, landed: true, row: expect.objectContaining({ guid: "G1" }) },
    ]);
    expect(landed.ok).toBe(true);
    // B's reply is missing too, and nothing about B is unknown: B is lost.
    const another = withOutbound({ parts: [unknown], rows: [] }, { replies: [["C"]] });
    expect(another.neverAnswered).toEqual(["B"]);
    expect(another.answerUnknown).toEqual(["A"]);
    expect(another.ok).toBe(false);
  });

  it("excuses every row of a coalesced turn whose reply is unknown", () => {
    const verdict = judgeSoak(
      evidence({
        replies: [["A"]],
        outbound: {
          parts: [part({ id: 1, deliveryId: "reply:B", guid: "G1", state: "unknown" })],
          rows: [],
        },
      }),
    );
    expect(verdict.answerUnknown).toEqual(["B", "C"]);
    expect(verdict.neverAnswered).toEqual([]);
  });
});
