/**
 * The side-by-side section `pnpm bench:peer` writes into docs/performance.md, between these two comments. `pnpm bench`
 * rewrites the rest of the file and keeps whatever stands between them.
 */
export const peerSectionStart = "<!-- bench:peer:start (written by `pnpm bench:peer`; `pnpm bench` keeps it) -->";
export const peerSectionEnd = "<!-- bench:peer:end -->";

/** The peer section of a report, markers included, or undefined when it has none (or only one marker). */
export function peerSectionOf(markdown: string): string | undefined {
  const start = markdown.indexOf(peerSectionStart);
  if (start === -1) return undefined;
  const end = markdown.indexOf(peerSectionEnd, start + peerSectionStart.length);
  if (end === -1) return undefined;
  return markdown.slice(start, end + peerSectionEnd.length);
}

/** `body` (markdown, no markers) between the markers: the form `withPeerSection` and `renderReport` expect. */
export function wrapPeerSection(body: string): string {
  return `${peerSectionStart}\n${body.trim()}\n${peerSectionEnd}`;
}

/**
 * `markdown` with its peer section replaced by `section` (a `wrapPeerSection` result), or with `section` appended
 * after one blank line when it has none yet. Everything outside the markers is kept as it is.
 */
export function withPeerSection(markdown: string, section: string): string {
  const current = peerSectionOf(markdown);
  if (current !== undefined) return markdown.replace(current, () => section);
  const base = markdown.trimEnd();
  return base === "" ? `${section}\n` : `${base}\n\n${section}\n`;
}
