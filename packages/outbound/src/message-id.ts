import { OutboundError } from "./outbound-error.ts";

/** A short message id (MessageSid) is a small number from the reply cache; full ids are Apple's GUIDs. */
export function isShortMessageId(id: string): boolean {
  return /^\d{1,9}$/.test(id.trim());
}

/** The error for a short id the reply cache does not hold for this chat: expired, or from another chat. */
export function messageIdUnknownError(id: string): OutboundError {
  return new OutboundError(
    "MESSAGE_ID_UNKNOWN",
    `message id ${id} is not in this chat's recent reply cache (expired or from another chat); retry with the full MessageSidFull`,
  );
}

/**
 * A message id as the agent gave it → the GUID imsg needs. Full GUIDs pass through; short ids go through the
 * reply cache lookup (`lookup` returns undefined when it has no entry for this chat), never to imsg as they are.
 */
export function resolveMessageGuid(id: string, lookup: ((shortId: string) => string | undefined) | undefined): string {
  const trimmed = id.trim();
  if (!isShortMessageId(trimmed)) return trimmed;
  const guid = lookup?.(trimmed);
  if (!guid) throw messageIdUnknownError(trimmed);
  return guid;
}
