import type { ImsgRpcMethod } from "./method-params.ts";

/** `major.minor.patch` from `imsg --version` output (`0.9.0`, `imsg 0.9.0`, `0.9.0-beta`), or undefined. */
export function parseImsgVersion(text: string): [number, number, number] | undefined {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** True when `version` is at least `minimum` (both `x.y.z`). */
export function versionAtLeast(version: string, minimum: string): boolean {
  const left = parseImsgVersion(version);
  const right = parseImsgVersion(minimum);
  if (left === undefined || right === undefined) return false;
  for (let index = 0; index < 3; index += 1) {
    if (left[index] !== right[index]) return (left[index] ?? 0) > (right[index] ?? 0);
  }
  return true;
}

/**
 * When each RPC method appeared (docs/imsg-protocol.md#versions). `typing.start`/`typing.stop` existed only in 0.5.0.
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
    ] satisfies ImsgRpcMethod[],
  ],
];

/** The RPC methods an imsg build of this version has, for builds whose status has no `rpc_methods` (before 0.7.3). */
export function rpcMethodsForVersion(version: string): string[] {
  const methods: string[] = [];
  for (const [since, added] of methodsSince) if (versionAtLeast(version, since)) methods.push(...added);
  if (versionAtLeast(version, "0.5.0") && !versionAtLeast(version, "0.6.0"))
    methods.push("typing.start", "typing.stop");
  return methods;
}

/** Behaviour differences of older builds a caller has to work around (docs/imsg-protocol.md#quirks-of-older-builds). */
export interface ImsgQuirks {
  /** Before 0.8.2 a missing Full Disk Access is plain text on stdout and an exit, not a JSON-RPC error. */
  startupErrorsAsText: boolean;
  /** Before 0.6.0 `debounce_ms` is ignored and there is no 5 s fallback poll. */
  noFallbackPoll: boolean;
  /** 0.3.0–0.5.0 fill `reactions` only when `attachments:true` is passed. */
  reactionsNeedAttachments: boolean;
  /** Before 0.8.1 `send` has no `transport` param or result field. */
  noSendTransport: boolean;
}

export function quirksForVersion(version: string): ImsgQuirks {
  return {
    startupErrorsAsText: !versionAtLeast(version, "0.8.2"),
    noFallbackPoll: !versionAtLeast(version, "0.6.0"),
    reactionsNeedAttachments: !versionAtLeast(version, "0.6.0"),
    noSendTransport: !versionAtLeast(version, "0.8.1"),
  };
}
