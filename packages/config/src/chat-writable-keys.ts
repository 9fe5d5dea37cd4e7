import { parseDottedPath } from "./config-writes.ts";
import type { PathSegment } from "./key-path.ts";

/**
 * What `/config set|unset` from chat may touch (README "Chat config writes"). These keys decide who reaches the
 * agent and how replies read; none names a program, a file, a host, a transport or a credential, so a chat write
 * cannot make the gateway run, read or connect to anything new. Everything else is for the operator's terminal.
 */
export const chatWritableKeys = {
  /** Under `channels.defaults`, `channels.imessage` and `channels.imessage.accounts.<id>`, and anything inside them. */
  account: [
    "dmPolicy",
    "allowFrom",
    "groupPolicy",
    "groupAllowFrom",
    "groups",
    "textChunkLimit",
    "chunkMode",
    "sendReadReceipts",
    "coalesceSameSenderDms",
    "errorReply",
  ],
  /** Full key paths outside the account blocks. */
  other: ["messages.groupChat.mentionPatterns"],
} as const;

const accountPrefixes: readonly (readonly (string | undefined)[])[] = [
  ["channels", "defaults"],
  ["channels", "imessage"],
  // undefined: any account id.
  ["channels", "imessage", "accounts", undefined],
];

// `groups.<key>` is a free-form record: these would reach Object.prototype through the writer's plain objects.
const prototypeKeys = new Set(["__proto__", "constructor", "prototype"]);

function startsWith(path: readonly PathSegment[], prefix: readonly (string | undefined)[]): boolean {
  return prefix.every((segment, index) =>
    segment === undefined ? typeof path[index] === "string" : path[index] === segment,
  );
}

/** Whether a chat owner may set or unset `dottedPath`: one of `chatWritableKeys`, or a key inside one. */
export function isChatWritableKey(dottedPath: string): boolean {
  let path: PathSegment[];
  try {
    path = parseDottedPath(dottedPath);
  } catch {
    return false;
  }
  if (path.some((segment) => typeof segment === "string" && prototypeKeys.has(segment))) return false;
  for (const prefix of accountPrefixes) {
    const key = path[prefix.length];
    // The account prefixes overlap (`channels.imessage` is also the start of `channels.imessage.accounts`).
    if (startsWith(path, prefix) && (chatWritableKeys.account as readonly unknown[]).includes(key)) return true;
  }
  return chatWritableKeys.other.some((allowed) => {
    const prefix = allowed.split(".");
    return path.length >= prefix.length && startsWith(path, prefix);
  });
}
