import { supportedRpcMethods } from "./rpc-methods-list.ts";

/** The imsg releases the sim has a personality for, oldest first (`--imsg-version`, `IMSG_SIM_VERSION`). */
export const imsgVersions = ["0.9.0", "0.10.0", "0.11.1", "0.12.0", "0.13.0", "0.14.0", "0.15.10"] as const;

/** The newest imsg release the sim speaks, and its default personality. */
export const newestImsgVersion = "0.15.10";

/**
 * When each RPC method appeared (docs/imsg-protocol.md, Versions). `typing.start`/`typing.stop` of 0.5.0 are not
 * simulated. The client keeps its own copy (rpc-client's version-compatibility): the simulator stands for imsg and
 * must not borrow the client's beliefs; rpc-client's `version-compatibility.sim.test.ts` checks that the two agree.
 */
const methodsSince: ReadonlyArray<[string, readonly string[]]> = [
  ["0.3.0", ["chats.list", "messages.history", "watch.subscribe", "watch.unsubscribe", "send"]],
  [
    "0.7.3",
    [
      "chats.create",
      "chats.delete",
      "chats.markUnread",
      "typing",
      "read",
      "group.rename",
      "group.setIcon",
      "group.addParticipant",
      "group.removeParticipant",
      "group.leave",
    ],
  ],
  [
    "0.9.0",
    [
      "send.rich",
      "send.attachment",
      "tapback",
      "message.edit",
      "message.unsend",
      "message.delete",
      "message.notifyAnyways",
    ],
  ],
  ["0.10.0", ["poll.send", "messages.poll.send", "handles.check", "message.send_status"]],
  ["0.12.0", ["poll.vote", "messages.poll.vote"]],
  [
    "0.13.0",
    [
      "messages.stats",
      "messages.scheduled",
      "poll.unvote",
      "polls.unvote",
      "messages.poll.unvote",
      "send.sticker",
      "contacts.shouldShareContact",
      "contacts.shareContactCard",
    ],
  ],
  [
    "0.14.0",
    ["initialize", "status", "messages.search", "messages.after", "send.multipart", "bridge.events.subscribe"],
  ],
  ["0.15.10", ["chats.get", "send.tracked"]],
];

/** `supported_methods` of 0.14+ on macOS, in descriptor order; older builds list 0.9.0's order, then later additions. */
const descriptorOrder = [
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
  "bridge.events.subscribe",
  "message.send_status",
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
  "contacts.shouldShareContact",
  "contacts.shareContactCard",
  "handles.check",
] as const;

function versionParts(version: string): [number, number, number] {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
}

/** True when `version` is `minimum` or newer (both `x.y.z`). */
export function buildAtLeast(version: string, minimum: string): boolean {
  const left = versionParts(version);
  const right = versionParts(minimum);
  for (let index = 0; index < 3; index += 1) {
    if (left[index] !== right[index]) return (left[index] ?? 0) > (right[index] ?? 0);
  }
  return true;
}

/**
 * Everything that differs between the imsg releases the sim plays (docs/imsg-protocol.md, Versions): the CLI
 * surface, the RPC methods, and from 0.14.0 the rewritten runtime. Code asks the personality, never a version string.
 */
export interface ImsgPersonality {
  version: string;
  hasRpc: boolean;
  hasStatus: boolean;
  statusHasBridgeKeys: boolean;
  statusHasRpcMethods: boolean;
  statusHasVersion: boolean;
  /** The RPC methods compiled into this release on macOS, in the order `status` lists them; others answer -32601. */
  rpcMethods: readonly string[];
  /** 0.14.0: strict framing, `initialize`/`status`, typed error codes (-32000…-32004). */
  strictFraming: boolean;
  /** 0.14.0: unknown keys, aliases given twice, `null` and coerced values are -32602 instead of being coerced. */
  strictParams: boolean;
  /** 0.14.0: a FIFO mutation lane and up to four concurrent reads instead of one request at a time. */
  lanes: boolean;
  /** 0.14.0: the database opens on first use and a missing one is -32002, instead of failing every request. */
  lazyDatabase: boolean;
  /** 0.14.0: live rows carry `cursor`; `buffer_limit` and the terminal `watch.overflow`. */
  watchCursor: boolean;
  /** 0.10.0: live rows without a chat are retried briefly, then dropped instead of emitted with `chat_id: 0`. */
  dropsChatlessRows: boolean;
  /** 0.10.0: `send` and `chats.create` answer with `chat_guid`, the message `guid`/`message_id` and `service`. */
  sendReportsIdentity: boolean;
  /** 0.11.1: imsg merges a text row and its URL-preview row into one message with `url_preview`; `balloon_bundle_id`. */
  coalescesUrlPreviews: boolean;
  /** 0.13.0: chats carry `unread_count`, messages `is_read`/`date_read`; `chats.list` takes `unread_only`. */
  readState: boolean;
  /** 0.15.x: the `capabilities` block and arbitrary-emoji tapbacks (`tapback.emoji` = 2). */
  capabilities: boolean;
  /** 0.13.x: methods whose handler refuses non-object params (`"<method> params must be an object"`) under the lenient parser. */
  objectParamsMethods: readonly string[];
  /** 0.15.x: `status --json` adds `helper_version`, `helper_version_mismatch`, `capabilities` and the hung-helper text. */
  statusHasHelperVersion: boolean;
  /** 0.13.0: a second URL-preview row right after a folded one folds into the same text message. */
  coalescesConsecutivePreviews: boolean;
  /** 0.14.0: URL-balloon de-duplication state per subscription instead of one shared by the whole process. */
  urlDedupePerWatcher: boolean;
  /** 0.14.0: the subscribe response is always written before the subscription's first notification. */
  subscribeResponseFirst: boolean;
  /** 0.14.0: at most this many pending plus active subscriptions (watch and bridge events together); unset: no cap. */
  subscriptionLimit?: number;
  /** 0.14.0: the Linux build compiles only the read methods (rpc-descriptors.ts `linuxRpcMethods`); others are -32601. */
  linuxLacksMacMethods: boolean;
  /** 0.10.0: native poll rows carry a `poll` object. */
  pollField: boolean;
  /** 0.11.1: messages carry `balloon_bundle_id` when the row has one. */
  balloonBundleIdField: boolean;
  /** 0.11.0: `send` with `service: "auto"` to a direct `to` picks SMS for SMS-only handles and may fall back to SMS. */
  autoServiceDetection: boolean;
  /** 0.12.0: a failed bridge send with `reply_to` fails closed instead of falling back to AppleScript. */
  sendFailsClosed: boolean;
  /** 0.14.0: `send` turns a `to` into E.164 (with `region`) before every route, not only for AppleScript. */
  normalizesEveryRecipient: boolean;
  /** 0.14.0: `chats.list` prints the canonical chat payload (`display_name`, `account_*`), like `chats --json`. */
  canonicalChatPayload: boolean;
  /** 0.13.0: `send.rich` with `url` sends a rich link. */
  richUrlMode: boolean;
  /** 0.14.0: `send.rich`/`send.attachment` answer with the observed row's `guid`/`message_id`/`chat_guid`; no `queued`. */
  enrichedRichSendResults: boolean;
}

/** The personality of one imsg release (`x.y.z`; releases between the listed ones behave like the one before). */
export function imsgPersonality(version: string = newestImsgVersion): ImsgPersonality {
  const added = new Set(methodsSince.filter(([since]) => buildAtLeast(version, since)).flatMap(([, names]) => names));
  const runtimeRewrite = buildAtLeast(version, "0.14.0");
  const order: readonly string[] = runtimeRewrite
    ? descriptorOrder
    : [
        ...supportedRpcMethods,
        ...descriptorOrder.filter((name) => !(supportedRpcMethods as readonly string[]).includes(name)),
      ];
  return {
    version,
    hasRpc: buildAtLeast(version, "0.3.0"),
    hasStatus: buildAtLeast(version, "0.6.0"),
    statusHasBridgeKeys: buildAtLeast(version, "0.7.0"),
    statusHasRpcMethods: buildAtLeast(version, "0.7.3"),
    statusHasVersion: buildAtLeast(version, "0.9.0"),
    rpcMethods: order.filter((method) => added.has(method)),
    strictFraming: runtimeRewrite,
    strictParams: runtimeRewrite,
    lanes: runtimeRewrite,
    lazyDatabase: runtimeRewrite,
    watchCursor: runtimeRewrite,
    dropsChatlessRows: buildAtLeast(version, "0.10.0"),
    sendReportsIdentity: buildAtLeast(version, "0.10.0"),
    coalescesUrlPreviews: buildAtLeast(version, "0.11.1"),
    readState: buildAtLeast(version, "0.13.0"),
    capabilities: buildAtLeast(version, "0.15.10"),
    objectParamsMethods:
      buildAtLeast(version, "0.13.0") && !runtimeRewrite ? ["messages.stats", "messages.scheduled"] : [],
    statusHasHelperVersion: buildAtLeast(version, "0.15.10"),
    coalescesConsecutivePreviews: buildAtLeast(version, "0.13.0"),
    urlDedupePerWatcher: runtimeRewrite,
    subscribeResponseFirst: runtimeRewrite,
    ...(runtimeRewrite ? { subscriptionLimit: 64 } : {}),
    linuxLacksMacMethods: runtimeRewrite,
    pollField: buildAtLeast(version, "0.10.0"),
    balloonBundleIdField: buildAtLeast(version, "0.11.1"),
    autoServiceDetection: buildAtLeast(version, "0.11.0"),
    sendFailsClosed: buildAtLeast(version, "0.12.0"),
    normalizesEveryRecipient: runtimeRewrite,
    canonicalChatPayload: runtimeRewrite,
    richUrlMode: buildAtLeast(version, "0.13.0"),
    enrichedRichSendResults: runtimeRewrite,
  };
}

/**
 * imsg's root help (`HelpPrinter.renderRoot`): what any `imsg <command> --help` prints when the build has no such
 * command, with exit 0, so `imsg rpc --help` on a build without rpc "succeeds" without describing rpc.
 */
export function rootHelpText(build: ImsgPersonality): string {
  const commands: Array<[string, string]> = [
    ["chats", "List recent conversations"],
    ["history", "Show recent messages for a chat"],
    ["watch", "Stream incoming messages"],
    ["send", "Send a message (text and/or attachment)"],
  ];
  if (build.hasStatus) commands.push(["status", "Show basic and advanced feature availability"]);
  if (build.hasRpc) commands.push(["rpc", "Run JSON-RPC over stdin/stdout"]);
  const lines = [
    `imsg ${build.version}`,
    "Send and read iMessage / SMS from the terminal",
    "",
    "Usage:",
    "  imsg <command> [options]",
    "",
    "Commands:",
    ...commands.map(([name, abstract]) => `  ${name}\t${abstract}`),
    "",
    "Run 'imsg <command> --help' for details.",
  ];
  return `${lines.join("\n")}\n`;
}

/** What imsg's command router prints (stdout, exit 1) for a command the build does not have. */
export function unknownCommandText(command: string): string {
  return `Unknown subcommand '${command}' for command 'imsg'\n`;
}
