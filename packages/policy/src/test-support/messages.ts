import type { InboundMessage, PolicyAccount } from "../evaluate-inbound.ts";

/** A DM from +15555550123 as imsg streams it (docs/imsg-protocol.md#message, the fields policy reads). */
export function directMessage(overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    chatId: 7,
    sender: "+15555550123",
    isFromMe: false,
    text: "hello",
    isGroup: false,
    chatGuid: "iMessage;-;+15555550123",
    chatIdentifier: "+15555550123",
    ...overrides,
  };
}

/** A message in group chat 8421 from +15555550123. */
export function groupMessage(overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    chatId: 8421,
    sender: "+15555550123",
    isFromMe: false,
    text: "hello all",
    isGroup: true,
    chatGuid: "iMessage;+;chat842100000000000000",
    chatIdentifier: "chat842100000000000000",
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
