import type { BridgeProbe } from "./bridge-probe.ts";
import { databaseRequirements } from "./rpc-descriptors.ts";

/** Schema features `status.database.features` reports once the database is open. */
export interface DatabaseFeatures {
  unread_state: boolean;
  scheduled_messages: boolean;
  reactions: boolean;
  reply_context: boolean;
  routing_metadata: boolean;
  balloon_payloads: boolean;
}

/** `status.database`: ready with its features, or not ready with a redacted error. */
export interface DatabaseState {
  path: string;
  ready: boolean;
  features?: DatabaseFeatures;
  error?: string;
}

/** Bridge selectors a method needs (any one of them); `send`, `typing` and `read` need none. */
const selectorNeeds: Record<string, readonly string[]> = {
  "send.tracked": ["clientMessageGuidReservation"],
  "chats.create": ["createChat"],
  "chats.delete": ["deleteChat", "removeChat"],
  "chats.markUnread": ["markChatUnread"],
  "send.rich": ["sendMessage"],
  "send.attachment": ["sendAttachment"],
  "send.multipart": ["sendMultipart"],
  "send.sticker": ["stickerSend"],
  "poll.send": ["pollPayloadMessage"],
  "messages.poll.send": ["pollPayloadMessage"],
  "poll.vote": ["pollVoteMessage"],
  "messages.poll.vote": ["pollVoteMessage"],
  "poll.unvote": ["pollVoteMessage"],
  "polls.unvote": ["pollVoteMessage"],
  "messages.poll.unvote": ["pollVoteMessage"],
  tapback: ["sendReaction"],
  "message.edit": ["editMessageItemTranslation", "editMessageItem", "editMessage"],
  "message.unsend": ["retractMessagePart"],
  "message.delete": ["deleteMessage"],
  "message.notifyAnyways": ["notifyAnyways"],
  "group.rename": ["setDisplayName"],
  "group.setIcon": ["updateGroupPhoto"],
  "group.addParticipant": ["addParticipant"],
  "group.removeParticipant": ["removeParticipant"],
  "group.leave": ["leaveChat"],
  "contacts.shouldShareContact": ["namePhotoShouldOffer"],
  "contacts.shareContactCard": ["namePhotoShare"],
  "handles.check": ["checkIMessageAvailability"],
};

function databaseAllows(method: string, database: DatabaseState): boolean {
  const needs = databaseRequirements[method];
  if (needs === undefined) return true;
  const features = database.features;
  return database.ready && features !== undefined && needs.every((feature) => features[feature]);
}

function bridgeAllows(method: string, bridge: BridgeProbe, eventLogReadable: boolean): boolean {
  // The event stream needs a v2 bridge and its event log as a readable regular file.
  if (method === "bridge.events.subscribe") {
    return bridge.bridge_version !== undefined && bridge.v2_ready === true && eventLogReadable;
  }
  const needs = selectorNeeds[method];
  if (needs === undefined) return true;
  const v2 = bridge.bridge_version !== undefined && bridge.v2_ready === true;
  // handles.check asks IDS directly and does not need the chat registry.
  const registry = method === "handles.check" || bridge.registry_available === true;
  return v2 && registry && needs.some((selector) => bridge.selectors?.[selector] === true);
}

/**
 * `status.methods` (docs/imsg-protocol.md, initialize and status): the compiled methods whose database, schema and
 * bridge-selector requirements all hold right now, aliases included.
 */
export function usableMethods(
  compiled: readonly string[],
  database: DatabaseState,
  bridge: BridgeProbe,
  eventLogReadable: boolean,
): string[] {
  return compiled.filter(
    (method) => databaseAllows(method, database) && bridgeAllows(method, bridge, eventLogReadable),
  );
}
