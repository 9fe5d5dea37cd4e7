import { describe, expect, it } from "vitest";
import { judgeSoak, type SoakEvidence } from "./soak-verdict.ts";

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
