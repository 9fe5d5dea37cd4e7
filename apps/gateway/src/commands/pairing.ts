import { openStateStore, resolveStateDir, StateError } from "@imessage-channel/state";
import { CliError, type CliIo, formatTable } from "../cli-io.ts";

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
  const rows = pending.map((request) => [request.code, request.accountId, request.sender, request.expiresAt]);
  io.stdout.write(`${formatTable(["CODE", "ACCOUNT", "SENDER", "EXPIRES"], rows)}\n`);
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
    if (StateError.isInstance(error)) throw new CliError(error.message, 1);
    throw error;
  }
}

export const pairingApprove = (io: CliIo, code: string) => pairingDecision(io, "approve", code);
export const pairingReject = (io: CliIo, code: string) => pairingDecision(io, "reject", code);
