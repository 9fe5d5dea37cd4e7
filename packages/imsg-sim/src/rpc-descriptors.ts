import type { DatabaseFeatures } from "./status-methods.ts";

/*
 * What imsg 0.14+'s method descriptors say of each RPC method: its lane, whether it needs the database, whether the
 * Linux build compiles it, plus the bridge operation a mutation reports in a delivery failure.
 */

/**
 * Where the scheduler runs each method (docs/imsg-protocol.md, Lanes): a serial control lane, a read lane of up to
 * four concurrent requests, and one FIFO mutation worker. Unknown methods and unparseable lines go to control.
 */
export type RpcLane = "control" | "read" | "mutation";

export const rpcLaneMethods: Readonly<Record<RpcLane, readonly string[]>> = {
  control: ["initialize", "watch.unsubscribe", "watch.subscribe", "bridge.events.subscribe"],
  read: [
    "status",
    "chats.list",
    "chats.get",
    "messages.stats",
    "messages.history",
    "messages.search",
    "messages.after",
    "messages.scheduled",
    "message.send_status",
    "contacts.shouldShareContact",
    "handles.check",
  ],
  mutation: [
    "send",
    "send.tracked",
    "chats.create",
    "chats.delete",
    "chats.markUnread",
    "send.rich",
    "send.attachment",
    "send.multipart",
    "send.sticker",
    "poll.send",
    "messages.poll.send",
    "poll.vote",
    "messages.poll.vote",
    "poll.unvote",
    "polls.unvote",
    "messages.poll.unvote",
    "tapback",
    "typing",
    "read",
    "message.edit",
    "message.unsend",
    "message.delete",
    "message.notifyAnyways",
    "group.rename",
    "group.setIcon",
    "group.addParticipant",
    "group.removeParticipant",
    "group.leave",
    "contacts.shareContactCard",
  ],
};

const laneOfMethod = new Map<string, RpcLane>(
  (Object.entries(rpcLaneMethods) as [RpcLane, readonly string[]][]).flatMap(([lane, methods]) =>
    methods.map((method) => [method, lane] as const),
  ),
);

/** The lane of a method; anything unknown is control. */
export function rpcLane(method: string): RpcLane {
  return laneOfMethod.get(method) ?? "control";
}

/** Methods whose descriptor requires a ready database, and the schema features some of them need on top. */
export const databaseRequirements: Readonly<Record<string, readonly (keyof DatabaseFeatures)[]>> = {
  "chats.list": [],
  "chats.get": [],
  "messages.stats": [],
  "messages.history": [],
  "messages.search": [],
  "messages.after": [],
  "messages.scheduled": ["scheduled_messages"],
  "watch.subscribe": [],
  "message.send_status": [],
  "send.tracked": [],
  "send.multipart": [],
  "send.sticker": [],
  "poll.vote": ["balloon_payloads"],
  "messages.poll.vote": ["balloon_payloads"],
  "poll.unvote": ["balloon_payloads", "reactions"],
  "polls.unvote": ["balloon_payloads", "reactions"],
  "messages.poll.unvote": ["balloon_payloads", "reactions"],
};

/** The methods above: 0.14+ answers them -32002 while the database cannot be opened. */
export const databaseMethods: ReadonlySet<string> = new Set(Object.keys(databaseRequirements));

/** The methods 0.14+ compiles on Linux; every other one answers -32601 there (0.9.0 Linux answered -32603). */
export const linuxRpcMethods: readonly string[] = [
  "initialize",
  "status",
  "watch.unsubscribe",
  "chats.list",
  "chats.get",
  "messages.stats",
  "messages.history",
  "messages.search",
  "messages.after",
  "messages.scheduled",
  "watch.subscribe",
  "message.send_status",
];

/** The bridge action a mutation dispatches (`operation` of a delivery failure); the sim's own names otherwise. */
const operations: Record<string, string> = {
  send: "send-message",
  "send.tracked": "send-message",
  "send.rich": "send-message",
  "send.multipart": "send-multipart",
  "send.attachment": "send-attachment",
  "send.sticker": "send-sticker",
  "chats.create": "create-chat",
  "chats.delete": "delete-chat",
  "chats.markUnread": "mark-chat-unread",
  "poll.send": "send-poll",
  "messages.poll.send": "send-poll",
  "poll.vote": "vote-poll",
  "messages.poll.vote": "vote-poll",
  "poll.unvote": "unvote-poll",
  "polls.unvote": "unvote-poll",
  "messages.poll.unvote": "unvote-poll",
  tapback: "send-reaction",
  typing: "typing",
  read: "read",
  "message.edit": "edit-message",
  "message.unsend": "unsend-message",
  "message.delete": "delete-message",
  "message.notifyAnyways": "notify-anyways",
  "group.rename": "set-display-name",
  "group.setIcon": "update-group-photo",
  "group.addParticipant": "add-participant",
  "group.removeParticipant": "remove-participant",
  "group.leave": "leave-chat",
  "contacts.shareContactCard": "share-contact-card",
};

export function mutationOperation(method: string): string {
  return operations[method] ?? method;
}
