// Our side, through the packages' public entry points only (run with the `@imessage-channel/source` condition, as a
// user's build resolves them), so the harness keeps measuring while the packages' internals change.
import type { Turn } from "@imessage-channel/agents";
import { Outbox, type OutboxOptions } from "@imessage-channel/channel";
import { resolveAccount, validateConfig } from "@imessage-channel/config";
import { silentLogger } from "@imessage-channel/kit";
import { createMessageSender } from "@imessage-channel/outbound";
import { openStateStore, type StateStore, WriteQueue } from "@imessage-channel/state";
import { BenchPeerError } from "./bench-peer-error.ts";
import { startOurClient } from "./our-client.ts";

type ChatAddress = Parameters<Outbox["deliver"]>[0];
type ImsgPort = OutboxOptions["imsg"];

/** The chat every reply goes to: the DM of the recorded fixture's first row. */
export const replyChat: ChatAddress = {
  chatId: 1,
  chatGuid: "iMessage;-;+15551234567",
  chatIdentifier: "+15551234567",
  handle: "+15551234567",
  isGroup: false,
};

const turn: Turn = {
  version: 1,
  channel: "imessage",
  accountId: "default",
  agentId: "main",
  sessionKey: "agent:main:imessage:direct:+15551234567",
  chat: { id: 1, guid: replyChat.chatGuid, identifier: replyChat.chatIdentifier, isGroup: false },
  sender: { handle: "+15551234567" },
  text: "Are we still on for lunch?",
  attachments: [],
  messageIds: [{ short: "1", guid: "0B6E1C2A-1111-4C3B-9F00-000000000001" }],
  wasMentioned: false,
  coalescedMessageGuids: [],
  replayed: false,
};

/** Our reply path on one warm connection: the channel's Outbox over a real state.db, as an account runs it. */
export interface OurReplyPath {
  /** One agent reply of one chunk, delivered once: planned, marked sending, sent, settled, its echo recorded. */
  deliver(deliveryId: string, text: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The Outbox as the account runner builds it (state.db write queue, a silent logger), its sends through outbound's
 * `createMessageSender` on the client, as the channel's imsg connection makes them. `history`: plain `send`, as
 * against imsg before 0.14 and as the reference sends (the part waits for state.db's fdatasync before it goes out,
 * since only history can tell a resend from a first send). `tracked`: `send.tracked`, as against imsg 0.14+ (a
 * resend under the same attempt_id is a no-op, so nothing waits for the disk).
 */
export async function openOurReplyPath(
  cliPath: string,
  stateDirectory: string,
  mode: "history" | "tracked",
): Promise<OurReplyPath> {
  const validated = validateConfig({
    channels: { imessage: { cliPath, dmPolicy: "open", allowFrom: ["*"] } },
  });
  if (!validated.config) {
    throw new BenchPeerError("MEASUREMENT_FAILED", `our config was refused: ${JSON.stringify(validated.errors)}`);
  }
  const account = resolveAccount(validated.config, "default");
  const client = await startOurClient(cliPath);
  const state: StateStore = openStateStore({ stateDir: stateDirectory });
  const writes = new WriteQueue();
  const sender = createMessageSender({
    call: (method, params) => client.request(method, params),
    isConnected: () => client.running && !client.mutationsBlocked,
    accountId: account.accountId,
    trackedSends: () => mode === "tracked",
  });
  const notUsed = (what: string) => () => {
    throw new BenchPeerError("MEASUREMENT_FAILED", `the peer bench's reply path does not ${what}`);
  };
  const imsg: ImsgPort = {
    delivery: (chat, options) => sender.delivery(chat, options),
    sendStatus: (guid) => sender.sendStatus(guid),
    markRead: async () => false,
    setTyping: async () => false,
    chatService: async () => undefined,
    isOwnMessage: async () => false,
    recentMessages: async () => [],
  };
  const outbox = new Outbox({
    account,
    state,
    imsg,
    writes,
    logger: silentLogger,
    // Text replies only: a file part would need the staging folder, and no reply here has one.
    media: {
      forAgent: () => ({
        mediaMaxBytes: account.mediaMaxBytes,
        sizeOfPath: notUsed("send files"),
        stage: notUsed("send files"),
      }),
    },
  });
  return {
    async deliver(deliveryId, text) {
      const outcome = await outbox.deliver(replyChat, { text }, turn, { deliveryId, origin: "reply" });
      if (outcome.sent !== 1) {
        throw new BenchPeerError(
          "MEASUREMENT_FAILED",
          `our reply ${deliveryId} ended ${JSON.stringify(outcome)}, not 1 part sent`,
        );
      }
    },
    async close() {
      writes.close();
      await client.close();
      state.close();
    },
  };
}
