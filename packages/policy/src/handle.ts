import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { boundedMemo } from "./bounded-cache.ts";

export const defaultPhoneRegion = "US";

/** `imessage:`, `sms:` and `auto:` prefixes of targets and allowlist entries. */
const servicePrefix = /^(imessage|sms|auto):/i;
/** DM chat guid prefixes seen in chat.db: `iMessage;-;`, `SMS;-;`, `any;-;` (macOS 26), `RCS;-;`. */
const directChatPrefix = /^(imessage|sms|any|rcs);-;/i;
const phoneCharacters = /^\+?[\d\s().-]+$/;

/** Strips every service and DM chat-guid prefix: `imessage:iMessage;-;+1555…` → `+1555…`. */
export function stripHandlePrefixes(raw: string): string {
  let value = raw.trim();
  for (;;) {
    const stripped = value.replace(servicePrefix, "").replace(directChatPrefix, "").trim();
    if (stripped === value) return value;
    value = stripped;
  }
}

/**
 * One comparable form per person: phones in E.164 (a number without country code takes `region`),
 * emails lowercased, prefixes removed. Anything else (short codes, `urn:biz:…`) is returned trimmed.
 */
export function normalizeHandle(raw: string, region: string = defaultPhoneRegion): string {
  return memoizedNormalize(`${region}\u0000${raw}`);
}

const memoizedNormalize = boundedMemo((key) => {
  const separator = key.indexOf("\u0000");
  return normalizeUncached(key.slice(separator + 1), key.slice(0, separator));
});

function normalizeUncached(raw: string, region: string): string {
  const value = stripHandlePrefixes(raw);
  if (value.includes("@")) return value.toLowerCase();
  if (!phoneCharacters.test(value) || !/\d/.test(value)) return value;
  try {
    const phone = parsePhoneNumberFromString(value, { defaultCountry: (region || defaultPhoneRegion) as CountryCode });
    if (phone?.isPossible()) return phone.number;
  } catch {
    // An unknown region or junk: fall through to the raw digits rather than failing a whole message.
  }
  return value.replace(/[\s().-]/g, "");
}
