import { judgeOutbound, type OutboundEvidence, type OutboundVerdict, outboundProblems } from "./outbound-verdict.ts";

/** An inbound row the soak wrote into chat.db, and whether policy should let it reach the agent. */
export interface InjectedRow {
  guid: string;
  expected: "dispatch" | "drop";
  /** Its text is, word for word, a reply the agent had just sent in that chat: a user quoting it, not an echo. */
  repeatsReply?: boolean;
}

/**
 * A gateway stopped with turns unfinished, and the guids its journal held as claimed meanwhile: killed with
 * SIGKILL (the turn may have reached the agent, and its reply been sent, without being committed), or stopped by a
 * SIGTERM whose shutdown cancelled the turn after the agent had it. Only these may be dispatched again.
 */
export interface HardKill {
  pid: number;
  inDoubt: string[];
}

export interface SoakEvidence {
  injected: InjectedRow[];
  /** Each turn the agent received, as the guids it carried (a coalesced turn carries several). */
  agentTurns: string[][];
  /** Each reply row in chat.db, as the guids the agent acknowledged in it. */
  replies: string[][];
  hardKills: HardKill[];
  /**
   * The outbound parts (state.db) and outgoing rows (chat.db) at the end; undefined when the gateway keeps no
   * outbound parts (it never logged its send mode and wrote none), so only the rows' acknowledgements are judged.
   */
  outbound?: OutboundEvidence;
}

export interface Repetition {
  guid: string;
  times: number;
  /**
   * True when every repeat is explained by a SIGKILL that left the row claimed: the agent may be asked again about
   * a row it was answering when the gateway died. Replies are never excused: the outbox resumes them.
   */
  excused: boolean;
}

export interface SoakVerdict {
  injected: number;
  expectedDispatches: number;
  /** Rows meant for the agent that never reached it. */
  neverDispatched: string[];
  /** Rows policy must drop that reached the agent anyway. */
  leakedToAgent: string[];
  /** Rows dispatched to the agent but never answered, their reply not reported unknown. */
  neverAnswered: string[];
  /** Rows dispatched but never answered whose reply has a part `unknown` and not in chat.db: reported, not lost. */
  answerUnknown: string[];
  /** Of the rows never dispatched or never answered, those that repeated the agent's reply (an echo check's victims). */
  lostRepeats: string[];
  repeatedDispatches: Repetition[];
  repeatedReplies: Repetition[];
  /** Turns or replies naming a guid the soak never wrote. */
  unknownGuids: string[];
  /** The outbound parts judged by guid (doubled, lost silently, unknown); undefined without parts. */
  outbound?: OutboundVerdict;
  problems: string[];
  ok: boolean;
}

function tally(groups: string[][]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const guids of groups) for (const guid of guids) counts.set(guid, (counts.get(guid) ?? 0) + 1);
  return counts;
}

function repetitions(counts: Map<string, number>, allowance: Map<string, number>): Repetition[] {
  return [...counts]
    .filter(([, times]) => times > 1)
    .map(([guid, times]) => ({ guid, times, excused: times - 1 <= (allowance.get(guid) ?? 0) }));
}

/**
 * The rows whose reply may be missing because the gateway reported it `unknown`: the reply of a turn is delivered
 * as `reply:<first guid of the turn>`, so each turn that carried the row names a delivery to look at.
 */
export function rowsWithUnknownReply(agentTurns: string[][], unknownReplies: ReadonlySet<string>): Set<string> {
  const rows = new Set<string>();
  for (const turn of agentTurns) {
    if (!turn.some((guid) => unknownReplies.has(`reply:${guid}`))) continue;
    for (const guid of turn) rows.add(guid);
  }
  return rows;
}

/**
 * Judges a soak run: every row meant for the agent dispatched and answered exactly once, nothing policy drops
 * reaching the agent. A second dispatch is tolerated only for a row a SIGKILL left claimed in the journal (the
 * agent was still thinking when the gateway died: at-least-once cannot tell that from a lost turn); a second
 * reply never is. With outbound parts, every part is judged by guid as well (`judgeOutbound`): none doubled, none
 * lost silently; a row is excused from being answered only when its reply has a part `unknown` that is not in
 * chat.db (the gateway said so, and never sends it again without the operator).
 */
export function judgeSoak(evidence: SoakEvidence): SoakVerdict {
  const expected = new Set(evidence.injected.filter((row) => row.expected === "dispatch").map((row) => row.guid));
  const dropped = new Set(evidence.injected.filter((row) => row.expected === "drop").map((row) => row.guid));
  const dispatched = tally(evidence.agentTurns);
  const answered = tally(evidence.replies);
  const allowance = tally(evidence.hardKills.map((kill) => kill.inDoubt));

  const neverDispatched = [...expected].filter((guid) => !dispatched.has(guid));
  const leakedToAgent = [...dropped].filter((guid) => dispatched.has(guid) || answered.has(guid));
  const outbound = evidence.outbound ? judgeOutbound(evidence.outbound) : undefined;
  const replyUnknown = rowsWithUnknownReply(evidence.agentTurns, outbound?.unknownReplies ?? new Set());
  const unanswered = [...dispatched.keys()].filter((guid) => expected.has(guid) && !answered.has(guid));
  const neverAnswered = unanswered.filter((guid) => !replyUnknown.has(guid));
  const answerUnknown = unanswered.filter((guid) => replyUnknown.has(guid));
  const repeats = new Set(evidence.injected.filter((row) => row.repeatsReply).map((row) => row.guid));
  const lostRepeats = [...neverDispatched, ...neverAnswered].filter((guid) => repeats.has(guid));
  const repeatedDispatches = repetitions(dispatched, allowance);
  const repeatedReplies = repetitions(answered, new Map());
  const unknownGuids = [...new Set([...dispatched.keys(), ...answered.keys()])].filter(
    (guid) => !expected.has(guid) && !dropped.has(guid),
  );

  const problems: string[] = [];
  const sample = (guids: string[]) => guids.slice(0, 5).join(", ") + (guids.length > 5 ? ", …" : "");
  if (neverDispatched.length) {
    problems.push(`${neverDispatched.length} row(s) never reached the agent: ${sample(neverDispatched)}`);
  }
  if (leakedToAgent.length) {
    problems.push(`${leakedToAgent.length} row(s) policy must drop reached the agent: ${sample(leakedToAgent)}`);
  }
  if (neverAnswered.length) problems.push(`${neverAnswered.length} turn(s) never answered: ${sample(neverAnswered)}`);
  if (lostRepeats.length) {
    problems.push(
      `${lostRepeats.length} of the lost row(s) repeated a reply the agent had just sent (taken for an echo?): ${sample(lostRepeats)}`,
    );
  }
  const unexcused = (list: Repetition[]) => list.filter((repeat) => !repeat.excused).map((repeat) => repeat.guid);
  const doubleDispatched = unexcused(repeatedDispatches);
  if (doubleDispatched.length) {
    problems.push(`${doubleDispatched.length} row(s) dispatched more than once: ${sample(doubleDispatched)}`);
  }
  const doubleAnswered = unexcused(repeatedReplies);
  if (doubleAnswered.length) {
    problems.push(`${doubleAnswered.length} row(s) answered more than once: ${sample(doubleAnswered)}`);
  }
  if (unknownGuids.length)
    problems.push(`${unknownGuids.length} guid(s) the soak never wrote: ${sample(unknownGuids)}`);
  if (outbound) problems.push(...outboundProblems(outbound));

  return {
    injected: evidence.injected.length,
    expectedDispatches: expected.size,
    neverDispatched,
    leakedToAgent,
    neverAnswered,
    answerUnknown,
    lostRepeats,
    repeatedDispatches,
    repeatedReplies,
    unknownGuids,
    ...(outbound ? { outbound } : {}),
    problems,
    ok: problems.length === 0,
  };
}
