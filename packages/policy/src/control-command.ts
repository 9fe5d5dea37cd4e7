import { stripLeadingMention } from "./mention.ts";

export const controlCommandNames = ["status", "new", "reset", "config", "acp", "help"] as const;
export type ControlCommandName = (typeof controlCommandNames)[number];

export interface ControlCommand {
  name: ControlCommandName;
  /** Everything after the command word, trimmed (`/config set a.b 1` → `set a.b 1`). */
  args: string;
}

const commandPattern = /^\/([a-z]+)(?:\s+([\s\S]*))?$/i;

/** `/status`, `/new`, `/reset`, `/config …`, `/acp …`, `/help` at the start of the text (after a leading mention). */
export function parseControlCommand(text: string, mentionPatterns: readonly string[] = []): ControlCommand | undefined {
  const match = commandPattern.exec(stripLeadingMention(text, mentionPatterns));
  const name = match?.[1]?.toLowerCase();
  if (!match || !controlCommandNames.includes(name as ControlCommandName)) return undefined;
  return { name: name as ControlCommandName, args: (match[2] ?? "").trim() };
}
