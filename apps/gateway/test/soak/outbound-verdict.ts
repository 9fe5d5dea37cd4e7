import { type OutboundPartState, outboundPartStates } from "@imessage-channel/state";

/** A row of state.db's `outbound_part` at the end of the run, as the verdict reads it. */
export interface PartRecord {
  id: number;
  key: string;
  deliveryId: string;
  origin: string;
  kind: string;
  state: OutboundPartState;
  mode?: string;
  guid?: string;
  /** What a text part sends (from its call); undefined for files and actions. */
  text?: string;
  /** Every identity of its chat (`chat-id:5`, `chat-guid:…`, `chat-identifier:+1555…`); empty matches any chat. */
  chatKeys: string[];
  /** Unix milliseconds of its first attempt. */
  firstAttemptAt?: number;
  preview: string;
  detail?: string;
}

/** An outgoing row (`is_from_me = 1`) of chat.db at the end of the run. */
export interface OutgoingRow {
  rowid: number;
  guid: string;
  text: string;
  /** Every identity of its chat, spelled as `PartRecord.chatKeys`. */
  chatKeys: string[];
  /** Unix milliseconds of its `date`. */
  at: number;
  /** Messages marked it not delivered (`error` ≠ 0): a failed tracked send's row. */
  failed: boolean;
}

/** What the gateway planned to send (state.db) and what reached the chats (chat.db). */
export interface OutboundEvidence {
  parts: PartRecord[];
  rows: OutgoingRow[];
}

/** An outgoing row beyond what the parts account for: a part's message in its chat a second time. */
export interface DoubledRow {
  row: OutgoingRow;
  /** The parts of that text and chat whose first attempt came before the row. */
  partIds: number[];
}

/** A part that says its message is in the chat (`sent`, `delivered`) while chat.db has no row for it. */
export interface LostPart {
  part: PartRecord;
  why: string;
}

/** An agent reply not all in chat.db while none of its parts is reported `unknown` or `failed`. */
export interface LostReply {
  deliveryId: string;
  missing: PartRecord[];
}

/** A part nothing could settle, or one reported failed: the operator was told, so neither lost nor doubled. */
export interface ReportedPart {
  part: PartRecord;
  /** Whether its message is in chat.db after all (by its guid, or by its text for a history part). */
  landed: boolean;
  /** That row, when it landed. */
  row?: OutgoingRow;
}

export interface OutboundVerdict {
  parts: number;
  partsByState: Record<OutboundPartState, number>;
  /** Parts by send mode (`tracked`, `history`, `action`; `none` before a first attempt). */
  partsByMode: Record<string, number>;
  rows: number;
  doubled: DoubledRow[];
  lostParts: LostPart[];
  lostReplies: LostReply[];
  unknown: ReportedPart[];
  failed: ReportedPart[];
  /** Parts reported `failed` whose message is in chat.db and not marked failed there: the sender was told a lie. */
  falselyFailed: ReportedPart[];
  /** Outgoing rows whose text no part in their chat has: sent around the outbound parts. */
  unplannedRows: OutgoingRow[];
  /** What the parts that went out say about how they were proved, when not by imsg's answer (`detail`), and how often. */
  proofNotes: Record<string, number>;
  /** Parts of reply deliveries that are `unknown` and not in chat.db, by delivery id. */
  unknownReplies: Set<string>;
}

/** A history lookup takes rows from a delivery's first attempt less this (docs/exactly-once.md); so does the verdict. */
const attemptToleranceMs = 2_000;

const claimsRow = (part: PartRecord) => part.state === "sent" || part.state === "delivered";

function sameChat(part: PartRecord, row: OutgoingRow): boolean {
  if (part.chatKeys.length === 0 || row.chatKeys.length === 0) return true;
  return part.chatKeys.some((key) => row.chatKeys.includes(key));
}

function notBefore(part: PartRecord, row: OutgoingRow): boolean {
  return part.firstAttemptAt === undefined || row.at >= part.firstAttemptAt - attemptToleranceMs;
}

/** Whether a part may have put a message in the chat: attempted at least once, or proved there. */
function attempted(part: PartRecord): boolean {
  return part.firstAttemptAt !== undefined || claimsRow(part) || part.state === "unknown";
}

/**
 * Pairs every outbound part with the chat.db row that is its message, if any, and judges by guid:
 *
 * 1. A part with a guid owns the outgoing row of that guid (and of its text, for a text part). Two parts never own
 *    one row: the later one is left without.
 * 2. A part sent the history way (not `tracked`) has no guid of its own, or one imsg answered: still without a row,
 *    it takes the oldest unowned row of its text in its chat written since its first attempt (less 2 s, the design's
 *    tolerance), the parts that say `sent`/`delivered` first, then those `unknown`, `sending` or `failed`. A tracked
 *    part never takes a row by text: its guid is its identity, and a row under another guid is not its message.
 * 3. **Doubled**: an outgoing row left unowned whose text a part in its chat sends, written after that part's first
 *    attempt. So for each (chat, text) the rows may not outnumber the parts that may have landed (`sent`,
 *    `delivered`, `unknown`, `sending`, `failed`: at most one row each), and for a tracked part any second row of
 *    its text besides its own guid counts, however many other parts share the text elsewhere. An unowned row no
 *    part sends is **unplanned**: every message the gateway sends must be a part.
 * 4. **Lost silently**: a part saying `sent`/`delivered` without a row (a tracked part's guid is not in chat.db), or
 *    an agent reply (origin `reply`) with a text or file part without a row while none of its parts is `unknown` or
 *    `failed`: nobody was told. An `unknown` part is reported, so it is counted and shown, never lost.
 * 5. **Falsely failed**: a part saying `failed` that owns a row Messages did not mark failed (`error` = 0). Its
 *    message went out, yet the turn got the error reply, and an operator's resend would send it twice.
 */
export function judgeOutbound(evidence: OutboundEvidence): OutboundVerdict {
  const parts = [...evidence.parts].sort((a, b) => a.id - b.id);
  const rowByGuid = new Map(evidence.rows.map((row) => [row.guid.toLowerCase(), row]));
  const ownedRows = new Set<number>();
  const rowOf = new Map<number, OutgoingRow>();
  const own = (part: PartRecord, row: OutgoingRow) => {
    ownedRows.add(row.rowid);
    rowOf.set(part.id, row);
  };

  for (const part of parts) {
    const row = part.guid === undefined ? undefined : rowByGuid.get(part.guid.toLowerCase());
    if (!row || ownedRows.has(row.rowid)) continue;
    if (part.text !== undefined && row.text !== part.text) continue;
    own(part, row);
  }

  const byText = parts.filter(
    (part) => part.text !== undefined && part.mode !== "tracked" && !rowOf.has(part.id) && attempted(part),
  );
  byText.sort(
    (a, b) =>
      Number(claimsRow(b)) - Number(claimsRow(a)) || (a.firstAttemptAt ?? 0) - (b.firstAttemptAt ?? 0) || a.id - b.id,
  );
  const rowsOldestFirst = [...evidence.rows].sort((a, b) => a.at - b.at || a.rowid - b.rowid);
  for (const part of byText) {
    const row = rowsOldestFirst.find(
      (candidate) =>
        !ownedRows.has(candidate.rowid) &&
        candidate.text === part.text &&
        sameChat(part, candidate) &&
        notBefore(part, candidate),
    );
    if (row) own(part, row);
  }

  const doubled: DoubledRow[] = [];
  const unplannedRows: OutgoingRow[] = [];
  for (const row of evidence.rows) {
    if (ownedRows.has(row.rowid)) continue;
    const senders = parts.filter(
      (part) => part.text === row.text && sameChat(part, row) && attempted(part) && notBefore(part, row),
    );
    if (senders.length) doubled.push({ row, partIds: senders.map((part) => part.id) });
    else unplannedRows.push(row);
  }

  const lostParts: LostPart[] = parts
    .filter((part) => claimsRow(part) && !rowOf.has(part.id) && (part.text !== undefined || part.guid !== undefined))
    .map((part) => ({
      part,
      why:
        part.mode === "tracked" || part.text === undefined
          ? `its guid ${part.guid ?? "(none recorded)"} is not in chat.db`
          : "no outgoing row with its text in its chat since its first attempt",
    }));

  const deliveries = new Map<string, PartRecord[]>();
  for (const part of parts) deliveries.set(part.deliveryId, [...(deliveries.get(part.deliveryId) ?? []), part]);
  const lostReplies: LostReply[] = [];
  const unknownReplies = new Set<string>();
  for (const [deliveryId, delivery] of deliveries) {
    if (delivery[0]?.origin !== "reply") continue;
    const missing = delivery.filter(
      (part) => part.kind !== "action" && part.state !== "dropped" && !rowOf.has(part.id),
    );
    if (missing.some((part) => part.state === "unknown")) unknownReplies.add(deliveryId);
    const reported = delivery.some((part) => part.state === "unknown" || part.state === "failed");
    if (missing.length && !reported) lostReplies.push({ deliveryId, missing });
  }

  const partsByState = Object.fromEntries(outboundPartStates.map((state) => [state, 0])) as Record<
    OutboundPartState,
    number
  >;
  const partsByMode: Record<string, number> = {};
  const proofNotes: Record<string, number> = {};
  for (const part of parts) {
    if (claimsRow(part) && part.detail !== undefined) proofNotes[part.detail] = (proofNotes[part.detail] ?? 0) + 1;
    partsByState[part.state]++;
    const mode = part.mode ?? "none";
    partsByMode[mode] = (partsByMode[mode] ?? 0) + 1;
  }

  const partsIn = (state: OutboundPartState): ReportedPart[] =>
    parts
      .filter((part) => part.state === state)
      .map((part) => {
        const row = rowOf.get(part.id);
        return { part, landed: row !== undefined, ...(row ? { row } : {}) };
      });
  const failed = partsIn("failed");
  return {
    parts: parts.length,
    partsByState,
    partsByMode,
    rows: evidence.rows.length,
    doubled,
    lostParts,
    lostReplies,
    unknown: partsIn("unknown"),
    failed,
    falselyFailed: failed.filter(({ row }) => row?.failed === false),
    unplannedRows,
    proofNotes,
    unknownReplies,
  };
}

/** The verdict's problems: doubled, lost silently, falsely failed, unplanned. Unknown parts are reported, not problems. */
export function outboundProblems(verdict: OutboundVerdict): string[] {
  const problems: string[] = [];
  const sample = <T>(items: readonly T[], name: (item: T) => string) =>
    items.slice(0, 5).map(name).join("; ") + (items.length > 5 ? "; …" : "");
  const partName = (part: PartRecord) => `part ${part.id} ${part.key} ${part.state}${part.guid ? ` ${part.guid}` : ""}`;
  if (verdict.doubled.length) {
    problems.push(
      `${verdict.doubled.length} outgoing row(s) repeat a part's message (doubled): ${sample(
        verdict.doubled,
        (doubled) =>
          `rowid ${doubled.row.rowid} ${doubled.row.guid} ${JSON.stringify(doubled.row.text)} (part(s) ${doubled.partIds.join(", ")})`,
      )}`,
    );
  }
  if (verdict.lostParts.length) {
    problems.push(
      `${verdict.lostParts.length} part(s) say sent but are not in chat.db (lost silently): ${sample(
        verdict.lostParts,
        (lost) => `${partName(lost.part)}: ${lost.why}`,
      )}`,
    );
  }
  if (verdict.lostReplies.length) {
    problems.push(
      `${verdict.lostReplies.length} agent reply(ies) not all in chat.db with no part unknown or failed (lost silently): ${sample(
        verdict.lostReplies,
        (lost) => `${lost.deliveryId} missing ${lost.missing.map(partName).join(", ")}`,
      )}`,
    );
  }
  if (verdict.falselyFailed.length) {
    problems.push(
      `${verdict.falselyFailed.length} part(s) marked failed whose message is in chat.db (falsely failed): ${sample(
        verdict.falselyFailed,
        ({ part, row }) => `${partName(part)} (rowid ${row?.rowid} ${row?.guid}): ${part.detail ?? "no detail"}`,
      )}`,
    );
  }
  if (verdict.unplannedRows.length) {
    problems.push(
      `${verdict.unplannedRows.length} outgoing row(s) no outbound part sends: ${sample(
        verdict.unplannedRows,
        (row) => `rowid ${row.rowid} ${row.guid} ${JSON.stringify(row.text)}`,
      )}`,
    );
  }
  return problems;
}
