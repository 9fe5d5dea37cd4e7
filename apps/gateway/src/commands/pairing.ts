import { normalizeHandle } from "@imessage-channel/policy";
import { openStateStore, resolveStateDir, StateError } from "@imessage-channel/state";
import { CliError, type CliIo, formatTable } from "../cli-io.ts";
import { formatAgo, formatExpiresIn } from "./pairing-format.ts";

/** Accepts `approve imessage CODE` and `approve CODE`: the channel name is optional, and only imessage exists. */
export function splitChannelArgument(first: string | undefined, second: string | undefined): string | undefined {
  if (second !== undefined) {
    if (first !== "imessage")
      throw new CliError(`unknown channel "${first}": this CLI serves the imessage channel only`, 2);
    return second;
  }
  return first === "imessage" ? undefined : first;
}

function withStore<T>(io: CliIo, action: (store: ReturnType<typeof openStateStore>) => T): T {
  const store = openStateStore({
    stateDir: resolveStateDir(io.env),
    onWarning: (warning) => io.stderr.write(`warning: ${warning}\n`),
  });
  try {
    return action(store);
  } finally {
    store.close();
  }
}

export function pairingList(io: CliIo, options: { json?: boolean; channel?: string }): void {
  if (options.channel && options.channel !== "imessage")
    throw new CliError(`unknown channel "${options.channel}": use imessage`, 2);
  const pending = withStore(io, (store) => {
    store.pairing.sweepExpired();
    return store.pairing.listPending();
  });
  if (options.json) {
    io.stdout.write(`${JSON.stringify(pending, null, 2)}\n`);
    return;
  }
  if (pending.length === 0) {
    io.stdout.write("No pending pairing requests.\n");
    return;
  }
  const now = Date.now();
  const rows = pending.map((request) => [
    request.code,
    request.accountId,
    request.sender,
    formatExpiresIn(request.expiresAt, now),
  ]);
  io.stdout.write(`${formatTable(["CODE", "ACCOUNT", "SENDER", "EXPIRES"], rows)}\n`);
}

function checkChannel(channel: string | undefined): void {
  if (channel && channel !== "imessage") throw new CliError(`unknown channel "${channel}": use imessage`, 2);
}

/** `pairing approved [imessage] [--account ID] [--json]`: the senders pairing let in, oldest approval first. */
export function pairingApproved(io: CliIo, options: { json?: boolean; channel?: string; account?: string }): void {
  checkChannel(options.channel);
  const approvals = withStore(io, (store) =>
    store.pairing.listApproved(options.account === undefined ? {} : { accountId: options.account }),
  );
  if (options.json) {
    const listed = approvals.map((approval) => ({ channel: "imessage", ...approval }));
    io.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
    return;
  }
  if (approvals.length === 0) {
    io.stdout.write("No senders approved through pairing.\n");
    return;
  }
  const now = Date.now();
  const rows = approvals.map((approval) => [
    approval.sender,
    approval.accountId,
    formatAgo(approval.approvedAt, now),
    approval.code ?? "-",
  ]);
  io.stdout.write(`${formatTable(["SENDER", "ACCOUNT", "APPROVED", "CODE"], rows)}\n`);
}

/**
 * `pairing revoke [imessage] <handle> [--account ID]`: the sender is a stranger again from their next message on,
 * also to a running gateway. The handle matches in any spelling of the number (`+1 555…`, `(555) …`).
 */
export function pairingRevoke(io: CliIo, handle: string, options: { account?: string } = {}): void {
  const wanted = normalizeHandle(handle);
  const removed = withStore(io, (store) => {
    const scope = options.account === undefined ? {} : { accountId: options.account };
    const senders = new Set(
      store.pairing
        .listApproved(scope)
        .filter((approval) => approval.sender === handle || normalizeHandle(approval.sender) === wanted)
        .map((approval) => approval.sender),
    );
    try {
      if (senders.size === 0) return store.pairing.revoke(wanted || handle, scope);
      return [...senders].flatMap((sender) => store.pairing.revoke(sender, scope));
    } catch (error) {
      if (StateError.isInstance(error)) throw new CliError(error.message, 1);
      throw error;
    }
  });
  for (const approval of removed) {
    io.stdout.write(
      `Revoked ${approval.sender} (account ${approval.accountId}): from their next message on they are a stranger again (a DM gets a new pairing code).\n`,
    );
  }
}

function pairingDecision(io: CliIo, decision: "approve" | "reject", code: string): void {
  try {
    const request = withStore(io, (store) =>
      decision === "approve" ? store.pairing.approve(code) : store.pairing.reject(code),
    );
    io.stdout.write(
      decision === "approve"
        ? `Approved ${request.sender} (account ${request.accountId}): they can talk to the agent from their next message.\n`
        : `Rejected the pairing request of ${request.sender} (account ${request.accountId}).\n`,
    );
  } catch (error) {
    // Approving twice is done already; rejecting an approved sender is what `revoke` is for.
    if (StateError.isInstance(error) && error.code === "PAIRING_CODE_ALREADY_APPROVED") {
      if (decision === "approve") {
        io.stdout.write(`${capitalized(error.message)}.\n`);
        return;
      }
      throw new CliError(
        `${error.message}; to take it back run \`imessage-channel pairing revoke imessage <handle>\``,
        1,
      );
    }
    if (StateError.isInstance(error)) throw new CliError(error.message, 1);
    throw error;
  }
}

function capitalized(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

export const pairingApprove = (io: CliIo, code: string) => pairingDecision(io, "approve", code);
export const pairingReject = (io: CliIo, code: string) => pairingDecision(io, "reject", code);
