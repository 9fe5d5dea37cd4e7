const compiled = new Map<string, RegExp | null>();

/** Compiles once per pattern, case-insensitively; a pattern that does not compile never matches (config rejects it). */
function compile(pattern: string): RegExp | null {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(pattern, "i");
    } catch {
      regex = null;
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex;
}

/** iMessage has no mention metadata: a message mentions the agent when any pattern matches its text. */
export function isMentioned(text: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => compile(pattern)?.test(text) ?? false);
}

/** The text with the first leading mention removed, so `@bot /status` reads as `/status`. */
export function stripLeadingMention(text: string, patterns: readonly string[]): string {
  const trimmed = text.trim();
  for (const pattern of patterns) {
    const match = compile(pattern)?.exec(trimmed);
    if (match && match.index === 0 && match[0].length > 0)
      return trimmed.slice(match[0].length).replace(/^[\s,:]+/, "");
  }
  return trimmed;
}
