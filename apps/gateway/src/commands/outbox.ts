import { existsSync } from "node:fs";
import { errorMessage } from "@imessage-channel/kit";
import {
  type OutboundPart,
  type OutboundPartState,
  type OutboundResolution,
  openStateStore,
  outboundPartStates,
  resolveStateDir,
  StateError,
  type StateStore,
  stateDatabasePath,
} from "@imessage-channel/state";
import { CliError, type CliIo, formatTable } from "../cli-io.ts";

export interface OutboxListOptions {
  account?: string;
  state?: string;
  limit?: string;
  json?: boolean;
}

export interface OutboxResolveOptions {
  sent?: boolean;
  resend?: boolean;
  drop?: boolean;
}

/** The parts that wait for the operator: `outbox list --state unknown,failed` shows them. */
const needsOperatorStates: readonly OutboundPartState[] = ["unknown", "failed"];

/**
 * Runs `action` on the gateway's state.db; undefined when there is none yet (no gateway ever ran with this state
 * dir), so reading the outbox never creates one.
 */
function withExistingStore<T>(io: CliIo, action: (store: StateStore) => T): T | undefined {
  const stateDir = resolveStateDir(io.env);
  if (!existsSync(stateDatabasePath(stateDir))) return undefined;
  const store = openStateStore({ stateDir, onWarning: (warning) => io.stderr.write(`warning: ${warning}\n`) });
  try {
    return action(store);
  } finally {
    store.close();
  }
}

/**
 * Per account, its parts per state as state.db has them now (all zero when there is no state.db yet); empty, with a
 * warning, when state.db cannot be read, so `status` still shows the rest.
 */
export function outboxCountsOf(
  io: CliIo,
  accountIds: readonly string[],
): Map<string, Record<OutboundPartState, number>> {
  const zero = () =>
    Object.fromEntries(outboundPartStates.map((state) => [state, 0])) as Record<OutboundPartState, number>;
  try {
    const read = withExistingStore(io, (store) => accountIds.map((id) => [id, store.parts.counts(id)] as const));
    return new Map(read ?? accountIds.map((id) => [id, zero()] as const));
  } catch (error) {
    io.stderr.write(`warning: outbox counts unavailable: ${errorMessage(error)}\n`);
    return new Map();
  }
}

/**
 * `2 unknown, 1 failed`: the parts that wait for the operator, or undefined when none does. `--account ID` is added
 * to the list command when `accountId` is given.
 */
export function needsOperator(
  counts: Record<OutboundPartState, number>,
  accountId?: string,
): { total: number; summary: string; listCommand: string } | undefined {
  const waiting = needsOperatorStates.filter((state) => counts[state] > 0);
  if (waiting.length === 0) return undefined;
  return {
    total: waiting.reduce((sum, state) => sum + counts[state], 0),
    summary: waiting.map((state) => `${counts[state]} ${state}`).join(", "),
    listCommand: `imessage-channel outbox list${accountId === undefined ? "" : ` --account ${accountId}`} --state ${needsOperatorStates.join(",")}`,
  };
}

/** `unknown,failed` → the states, or a usage error naming every value that is not one. */
function parseStates(value: string | undefined): OutboundPartState[] | undefined {
  if (value === undefined) return undefined;
  const states = value
    .split(",")
    .map((state) => state.trim())
    .filter(Boolean);
  const wrong = states.filter((state) => !outboundPartStates.includes(state as OutboundPartState));
  if (wrong.length > 0 || states.length === 0) {
    const named = wrong.length > 0 ? wrong.map((state) => `"${state}"`).join(", ") : `"${value}"`;
    throw new CliError(
      `--state: ${named} ${wrong.length > 1 ? "are not states" : "is not a state"}; use one or more of ${outboundPartStates.join(" | ")}, comma-separated`,
      2,
    );
  }
  return states as OutboundPartState[];
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 100;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliError(`--limit: "${value}" is not a positive whole number`, 2);
  return limit;
}

/** `chat_id:N` when the part's chat has one, else the DM handle (or the chat's guid or identifier). */
function chatLabel(chat: unknown): string {
  const address = (chat ?? {}) as { chatId?: unknown; handle?: unknown; chatGuid?: unknown; chatIdentifier?: unknown };
  if (typeof address.chatId === "number" && address.chatId > 0) return `chat_id:${address.chatId}`;
  for (const name of [address.handle, address.chatGuid, address.chatIdentifier])
    if (typeof name === "string" && name) return name;
  return "?";
}

/** `45s`, `12m`, `3h`, `2d`: how long ago the part was planned. */
function age(sinceMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - sinceMs) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.round(hours / 24)}d`;
}

function partRow(part: OutboundPart, nowMs: number): string[] {
  return [
    String(part.id),
    part.state,
    part.accountId,
    chatLabel(part.chat),
    `${part.origin}/${part.kind}`,
    String(part.attempt),
    part.mode ?? "-",
    part.guid ?? "-",
    age(part.createdAt, nowMs),
    JSON.stringify(part.preview),
    part.detail ?? "",
  ];
}

/** `outbox list [--account ID] [--state S[,S…]] [--limit N] [--json]`: the outbound parts, newest first. */
export function outboxList(io: CliIo, options: OutboxListOptions): void {
  const states = parseStates(options.state);
  const limit = parseLimit(options.limit);
  const found = withExistingStore(io, (store) => {
    const counts = store.parts.counts(options.account);
    const total = (states ?? outboundPartStates).reduce((sum, state) => sum + counts[state], 0);
    return { parts: store.parts.list({ accountId: options.account, states, limit }), total };
  }) ?? { parts: [], total: 0 };
  if (options.json) {
    io.stdout.write(`${JSON.stringify(found.parts, null, 2)}\n`);
    return;
  }
  if (found.parts.length === 0) {
    const which = [
      states ? `in state ${states.join(" or ")}` : "",
      options.account ? `of account ${options.account}` : "",
    ]
      .filter(Boolean)
      .join(" ");
    io.stdout.write(`No outbound parts${which ? ` ${which}` : ""}.\n`);
    return;
  }
  const now = Date.now();
  const rows = found.parts.map((part) => partRow(part, now));
  const header = ["ID", "STATE", "ACCOUNT", "CHAT", "WHAT", "ATTEMPT", "MODE", "GUID", "AGE", "PREVIEW", "DETAIL"];
  io.stdout.write(`${formatTable(header, rows)}\n`);
  if (found.total > found.parts.length)
    io.stdout.write(`(the newest ${found.parts.length} of ${found.total}; --limit N shows more)\n`);
}

function resolutionOf(options: OutboxResolveOptions): OutboundResolution {
  // The flags are named after the resolutions they ask for.
  const chosen = (["sent", "resend", "drop"] as const).filter((flag) => options[flag] === true);
  const [resolution] = chosen;
  if (chosen.length !== 1 || resolution === undefined)
    throw new CliError("outbox resolve: give exactly one of --sent, --resend or --drop", 2);
  return resolution;
}

const resolvedLines: Record<OutboundResolution, (id: number) => string> = {
  sent: (id) => `part ${id} marked sent`,
  resend: (id) => `part ${id} will be sent again by the running gateway (or at its next start)`,
  drop: (id) => `part ${id} dropped`,
};

/** `outbox resolve <id> --sent|--resend|--drop`: the operator's decision for a part the gateway could not settle. */
export function outboxResolve(io: CliIo, idArgument: string, options: OutboxResolveOptions): void {
  const resolution = resolutionOf(options);
  const id = Number(idArgument);
  if (!/^\d+$/.test(idArgument) || !Number.isSafeInteger(id) || id < 1)
    throw new CliError(`"${idArgument}" is not a part id: use the number \`imessage-channel outbox list\` shows`, 2);
  let resolved: OutboundPart | undefined;
  try {
    resolved = withExistingStore(io, (store) => store.parts.resolve(id, resolution));
  } catch (error) {
    if (StateError.isInstance(error)) throw new CliError(error.message, 1);
    throw error;
  }
  if (!resolved) {
    throw new CliError(
      `outbox part ${id} does not exist: there is no state.db in ${resolveStateDir(io.env)} (is IMESSAGE_CHANNEL_STATE_DIR the gateway's?)`,
      1,
    );
  }
  io.stdout.write(`${resolvedLines[resolution](id)}\n`);
}
