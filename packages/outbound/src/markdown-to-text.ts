/**
 * Markdown → iMessage plain text. iMessage renders no markup, so syntax is removed and structure is kept
 * with plain characters: bullets (•), numbered items, check boxes, `text (url)` links, tables as
 * `header: cell` lines, code verbatim. Written by hand (no markdown library is a dependency here); it
 * covers what chat agents emit: CommonMark blocks and inline spans plus GFM tables, task lists and strikethrough.
 */
export function markdownToPlainText(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const definitions = collectLinkDefinitions(lines);
  const output: string[] = [];

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;

    const fence = /^( {0,3})(`{3,}(?=[^`]*$)|~{3,})/.exec(line);
    if (fence) {
      const indent = fence[1]!.length;
      const marker = fence[2]!;
      index++;
      while (index < lines.length && !isClosingFence(lines[index]!, marker)) {
        output.push(lines[index]!.replace(new RegExp(`^ {0,${indent}}`), ""));
        index++;
      }
      continue;
    }

    if (linkDefinition.test(line)) continue;

    const next = lines[index + 1];
    // GFM: a table needs a delimiter row with as many cells as its header row.
    if (
      isTableRow(line) &&
      next !== undefined &&
      isTableDelimiter(next) &&
      tableCells(line).length === tableCells(next).length
    ) {
      const header = tableCells(line).map((cell) => renderInline(cell, definitions));
      index += 2;
      let rows = 0;
      while (index < lines.length && isTableRow(lines[index]!)) {
        const cells = tableCells(lines[index]!).map((cell) => renderInline(cell, definitions));
        output.push(renderTableRow(header, cells));
        index++;
        rows++;
      }
      // A header with no rows still says something.
      if (rows === 0) output.push(renderTableRow([], header));
      index--;
      continue;
    }

    // Setext heading: the underline goes, the title stays.
    if (next !== undefined && line.trim() && !isListItem(line) && /^ {0,3}(=+|-+)\s*$/.test(next)) {
      output.push(renderInline(line.trim(), definitions));
      index++;
      continue;
    }

    output.push(renderBlockLine(line, definitions));
  }

  return output
    .join("\n")
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const linkDefinition = /^ {0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s+["'(].*["')])?\s*$/;

function collectLinkDefinitions(lines: string[]): Map<string, string> {
  const definitions = new Map<string, string>();
  for (const line of lines) {
    const match = linkDefinition.exec(line);
    if (match) definitions.set(match[1]!.toLowerCase(), match[2]!);
  }
  return definitions;
}

function isClosingFence(line: string, marker: string): boolean {
  const trimmed = line.trim();
  return trimmed.startsWith(marker) && new RegExp(`^\\${marker[0]}+$`).test(trimmed);
}

function isListItem(line: string): boolean {
  return /^\s*([-*+]|\d{1,9}[.)])\s+/.test(line);
}

function isTableRow(line: string): boolean {
  return line.trim().includes("|");
}

function isTableDelimiter(line: string): boolean {
  return /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/.test(line) && line.includes("-");
}

function tableCells(line: string): string[] {
  let trimmed = line.trim();
  if (trimmed.startsWith("|")) trimmed = trimmed.slice(1);
  if (trimmed.endsWith("|") && !trimmed.endsWith("\\|")) trimmed = trimmed.slice(0, -1);
  return trimmed.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

function renderTableRow(header: string[], cells: string[]): string {
  const parts = cells
    .map((cell, column) => {
      if (!cell) return "";
      const name = header[column];
      return name ? `${name}: ${cell}` : cell;
    })
    .filter(Boolean);
  return `• ${parts.join(", ")}`;
}

function renderBlockLine(line: string, definitions: Map<string, string>): string {
  if (/^ {0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) return "";

  const heading = /^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$/.exec(line);
  if (heading) return renderInline(heading[1] ?? "", definitions);

  let quotePrefix = "";
  let rest = line;
  const quote = /^ {0,3}>\s?/;
  while (quote.test(rest)) {
    rest = rest.replace(quote, "");
    quotePrefix += "│ ";
  }
  if (quotePrefix) return `${quotePrefix}${renderBlockLine(rest, definitions)}`.trimEnd();

  const task = /^(\s*)[-*+]\s+\[([ xX])\]\s+(.*)$/.exec(rest);
  if (task) return `${task[1]}${task[2] === " " ? "☐" : "☑"} ${renderInline(task[3]!, definitions)}`;

  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(rest);
  if (bullet) return `${bullet[1]}• ${renderInline(bullet[2]!, definitions)}`;

  const numbered = /^(\s*)(\d{1,9})[.)]\s+(.*)$/.exec(rest);
  if (numbered) return `${numbered[1]}${numbered[2]}. ${renderInline(numbered[3]!, definitions)}`;

  return renderInline(rest.replace(/^ {0,3}(?=\S)/, ""), definitions);
}

// URLs may hold one level of balanced parentheses (`…/wiki/Foo_(bar)`), as GFM's autolinks do.
const urlCharacters = String.raw`(?:[^\s()<>]|\([^\s()<>]*\))`;
const bareUrl = new RegExp(String.raw`\bhttps?:\/\/${urlCharacters}*(?:[^\s<>().,;:!?'"]|\([^\s()<>]*\))`, "g");
const inlineImage = new RegExp(String.raw`!\[([^\]]*)\]\(\s*<?(${urlCharacters}+?)>?(?:\s+["'][^)]*["'])?\s*\)`, "g");
const inlineLink = new RegExp(String.raw`\[([^\]]+)\]\(\s*<?(${urlCharacters}*?)>?(?:\s+["'][^)]*["'])?\s*\)`, "g");

/** Inline spans: code, escapes, images, links, autolinks, emphasis, strikethrough, `<br>`. */
export function renderInline(text: string, definitions: Map<string, string> = new Map()): string {
  const held: string[] = [];
  // Spans whose content is final go into placeholders so later rules cannot touch them; the placeholder
  // character is a private-use one the text does not contain, so user text can never be mistaken for one.
  const mark = placeholderMark(text);
  const hold = (value: string) => `${mark}${held.push(value) - 1}${mark}`;

  let result = text
    .replace(/(?<!`)(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, (_, _ticks, code: string) =>
      hold(code.trim() ? code.trim() : code),
    )
    .replace(/\\([!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~])/g, (_, character: string) => hold(character))
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<((?:https?|mailto):[^\s>]+)>/gi, (_, url: string) => hold(url.replace(/^mailto:/i, "")))
    .replace(/<([^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)>/g, (_, address: string) => hold(address))
    .replace(inlineImage, (_, alt: string, url: string) => linkText(alt, url, hold))
    .replace(inlineLink, (_, label: string, url: string) => linkText(label, url, hold))
    .replace(/\[([^\]]+)\]\[([^\]]*)\]/g, (whole: string, label: string, reference: string) => {
      const url = definitions.get((reference || label).toLowerCase());
      return url === undefined ? whole : linkText(label, url, hold);
    })
    .replace(bareUrl, (url) => hold(url));

  result = decodeEntities(stripEmphasis(result).replace(/[ \t]?<!--[\s\S]*?-->/g, ""));
  // A held span can contain an earlier one (an escaped character inside a link's url): restore until none is left.
  const placeholder = new RegExp(`${mark}(\\d+)${mark}`, "g");
  for (let depth = 0; depth <= held.length && result.includes(mark); depth++) {
    result = result.replace(placeholder, (_, index: string) => held[Number(index)]!);
  }
  return result;
}

const namedEntities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00A0" };

/** HTML entities agents emit out of habit; code spans were held before this runs, so theirs stay literal. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith("#")) {
      const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return namedEntities[name.toLowerCase()] ?? whole;
  });
}

function placeholderMark(text: string): string {
  for (let code = 0xe000; code <= 0xf8ff; code++) {
    const mark = String.fromCharCode(code);
    if (!text.includes(mark)) return mark;
  }
  return "\u0000"; // unreachable in practice: the text would need all 6400 private-use characters
}

function linkText(label: string, url: string, hold: (value: string) => string): string {
  const text = stripEmphasis(label.trim());
  const target = url.replace(/^mailto:/i, "");
  if (!target) return text;
  if (!text || text === target || text === url) return hold(target);
  return `${text} (${hold(target)})`;
}

function stripEmphasis(text: string): string {
  let result = text;
  for (let pass = 0; pass < 3; pass++) {
    const before = result;
    result = result
      .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "$1")
      .replace(/(^|[^\p{L}\p{N}_])__(?=\S)([\s\S]*?\S)__(?![\p{L}\p{N}_])/gu, "$1$2")
      .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "$1")
      .replace(/(^|[^*\p{L}\p{N}])\*(?=[^\s*])([^*]*?[^\s*])\*(?!\*)/gu, "$1$2")
      .replace(/(^|[^\p{L}\p{N}_])_(?=[^\s_])([^_]*?[^\s_])_(?![\p{L}\p{N}_])/gu, "$1$2");
    if (result === before) break;
  }
  return result;
}
