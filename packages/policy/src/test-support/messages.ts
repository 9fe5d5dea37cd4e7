import type { InboundMessage, PolicyAccount } from "../evaluate-inbound.ts";

/** A DM from +15555550123 as imsg streams it (imsg-protocol.md §4.2, the fields policy reads). */
export function directMessage(overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    chat_id: 7,
    sender: "+15555550123",
    is_from_me: false,
    text: "hello",
    is_group: false,
    chat_guid: "iMessage;-;+15555550123",
    chat_identifier: "+15555550123",
    ...overrides,
  };
}

/** A message in group chat 8421 from +15555550123. */
export function groupMessage(overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    chat_id: 8421,
    sender: "+15555550123",
    is_from_me: false,
    text: "hello all",
    is_group: true,
    chat_guid: "iMessage;+;chat842100000000000000",
    chat_identifier: "chat842100000000000000",
    ...overrides,
  };
}

/** The reference's defaults: pairing DMs, allowlisted groups, nothing allowed yet. */
export function account(overrides: Partial<PolicyAccount> = {}): PolicyAccount {
  return {
    accountId: "default",
    dmPolicy: "pairing",
    allowFrom: [],
    groupPolicy: "allowlist",
    groupAllowFrom: null,
    groups: {},
    phoneRegion: "US",
    allowSmsSenders: false,
    ...overrides,
  };
}
