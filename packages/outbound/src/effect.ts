import { OutboundError } from "./outbound-error.ts";

const expressiveSend = ["impact", "loud", "gentle", "invisibleink"] as const;
const screenEffects = [
  "confetti",
  "lasers",
  "fireworks",
  "balloons",
  "sparkles",
  "spotlight",
  "echo",
  "love",
  "celebration",
] as const;

/** Every effect name `sendWithEffect` accepts besides full `com.apple.` ids. */
export const effectNames = [...expressiveSend, ...screenEffects] as const;

// Names people use in Messages' UI for the same effects.
const aliases: Record<string, string> = { slam: "impact", invisible: "invisibleink" };

function titleCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * An effect name → the full effect id imsg's bridge takes (docs/imsg-protocol.md#effect-names), so imsg never has to
 * guess and a typo fails here with the list instead of sending plain text. `com.apple.` ids pass through.
 */
export function expandEffectId(raw: string): string {
  const value = raw.trim();
  if (value.toLowerCase().startsWith("com.apple.")) return value;
  const compact = value.toLowerCase().replace(/[\s_-]+/g, "");
  const name = aliases[compact] ?? compact;
  if ((expressiveSend as readonly string[]).includes(name)) return `com.apple.MobileSMS.expressivesend.${name}`;
  if ((screenEffects as readonly string[]).includes(name))
    return `com.apple.messages.effect.CK${titleCase(name)}Effect`;
  throw new OutboundError(
    "ACTION_PARAMS_INVALID",
    `unknown iMessage effect ${JSON.stringify(raw)}; use one of ${effectNames.join(", ")} or a com.apple. effect id`,
  );
}
