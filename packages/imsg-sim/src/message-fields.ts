import { isoFromAppleMilliseconds } from "./apple-time.ts";
import type { MessageRow } from "./message-row.ts";
import type { ImsgPersonality } from "./personality.ts";
import { decodePollPayload, pollBalloonBundleId, wirePoll } from "./poll-payload.ts";
import type { SchemaCapabilities } from "./schema-probe.ts";
import type { WireMessage } from "./wire-types.ts";

/** The payload fields a release adds to messages and chats beyond 0.9.0's (docs/imsg-protocol.md, New fields). */
export interface PayloadFields {
  balloonBundleId: boolean;
  poll: boolean;
  readState: boolean;
  canonicalChat: boolean;
}

/** 0.9.0's payloads: none of the later fields. */
export const legacyPayloadFields: PayloadFields = {
  balloonBundleId: false,
  poll: false,
  readState: false,
  canonicalChat: false,
};

export function payloadFieldsFor(personality: ImsgPersonality): PayloadFields {
  return {
    balloonBundleId: personality.balloonBundleIdField,
    poll: personality.pollField,
    readState: personality.readState,
    canonicalChat: personality.canonicalChatPayload,
  };
}

/** Adds the later-release fields of one row to its 0.9.0 message object, in place. */
export function addMessageFields(
  message: WireMessage,
  row: MessageRow,
  fields: PayloadFields,
  schema: SchemaCapabilities,
): void {
  const bundle = schema.balloonBundleId ? (row.balloon_bundle_id ?? "") : "";
  if (fields.balloonBundleId && bundle !== "") message.balloon_bundle_id = bundle;
  if (fields.poll && bundle === pollBalloonBundleId) {
    message.poll = wirePoll(message.guid, decodePollPayload(row.payload_data), message.participants);
  }
  // Read state is reported for inbound rows only; date_read only once read.
  if (fields.readState && schema.readState && row.is_from_me === 0) {
    const isRead = (row.is_read ?? 0) !== 0;
    message.is_read = isRead;
    if (isRead) message.date_read = isoFromAppleMilliseconds(row.date_read_ms);
  }
}
