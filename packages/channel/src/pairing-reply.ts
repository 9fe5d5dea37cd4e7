/** The text a stranger gets: their code and the exact command the owner runs to let them in. */
export function pairingReplyText(code: string, expiresAt: string, now: number): string {
  const minutes = Math.max(1, Math.round((Date.parse(expiresAt) - now) / 60_000));
  return [
    "Hi! This assistant only answers people its owner has approved.",
    `Your pairing code is ${code} (valid for ${minutes} min).`,
    `Ask the owner to run: imessage-channel pairing approve imessage ${code}`,
  ].join("\n");
}
