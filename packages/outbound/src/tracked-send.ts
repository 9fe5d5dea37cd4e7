import { v5 as uuidV5 } from "uuid";

/** The namespace of every tracked-send guid this channel derives (a fixed, random UUID of its own). */
const trackedSendNamespace = "4f0d3c57-8a2e-4b8e-9c61-2d3f7a9e5b10";

/** The methods a connection must offer now for tracked sends: the send itself and the lookup that settles it. */
export const trackedSendMethods = ["send.tracked", "message.send_status"] as const;

/**
 * Whether a connection's negotiated `methods` allow tracked sends (docs/exactly-once.md, Identity). imsg lists
 * `send.tracked` only while the bridge can reserve message guids, so this follows the bridge; a bridge block whose
 * `clientMessageGuidReservation` selector says false wins over the list.
 */
export function trackedSendsUsable(
  methods: readonly string[] | undefined,
  bridgeSelectors?: Readonly<Record<string, boolean>>,
): boolean {
  if (bridgeSelectors?.clientMessageGuidReservation === false) return false;
  return methods !== undefined && trackedSendMethods.every((method) => methods.includes(method));
}

/**
 * The guid a tracked part's attempt gets in chat.db: a UUIDv5 of the account, the part's stable key and the attempt
 * number, so the same attempt always names the same message (lowercase, as imsg normalises `attempt_id`).
 */
export function trackedSendGuid(accountId: string, partKey: string, attempt: number): string {
  return uuidV5(`${accountId}\u0000${partKey}\u0000${attempt}`, trackedSendNamespace);
}

/** A text-only `send` (no file): the one kind of send `send.tracked` carries. */
export function isTrackableSend(call: { method: string; params: Record<string, unknown> }): boolean {
  const { text, file } = call.params;
  return call.method === "send" && typeof text === "string" && text !== "" && (file === undefined || file === "");
}
