import { OutboundError } from "./outbound-error.ts";

export type ChunkMode = "length" | "newline";

export interface ChunkOptions {
  /** Most UTF-16 code units in one chunk, as the reference counts `textChunkLimit` (default 4000). */
  limit?: number;
  /** `length` fills each chunk; `newline` sends each paragraph on its own, then splits by lines, then by length. */
  mode?: ChunkMode;
}

export const defaultTextChunkLimit = 4000;

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const whitespaceOnly = /^\s+$/u;

interface Grapheme {
  text: string;
  whitespace: boolean;
}

function graphemesOf(text: string): Grapheme[] {
  return Array.from(graphemeSegmenter.segment(text), ({ segment }) => ({
    text: segment,
    whitespace: whitespaceOnly.test(segment),
  }));
}

/**
 * Splits text into chunks of at most `limit` UTF-16 code units (JavaScript string length, as the reference
 * counts: an emoji outside the BMP is two), for one iMessage each.
 *
 * Contract (property-tested): `text` = w0 + c1 + w1 + … + cn + wn, where every ci is a chunk and every wi is a
 * run of whitespace graphemes, possibly empty. So a break removes only the whitespace it falls on (and the text's
 * own leading and trailing whitespace); chunks are non-empty, start and end with no whitespace grapheme, never
 * split a surrogate pair, and split a grapheme only when that one grapheme is longer than the limit (a single
 * code point longer than the limit, a two-unit emoji under `limit: 1`, is a chunk of its own).
 */
export function chunkText(text: string, options: ChunkOptions = {}): string[] {
  const limit = options.limit ?? defaultTextChunkLimit;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new OutboundError(
      "CHUNK_LIMIT_INVALID",
      `textChunkLimit ${limit} is not a positive integer; set channels.imessage.textChunkLimit to e.g. 4000`,
    );
  }
  return options.mode === "newline" ? chunkByParagraphs(text, limit) : chunkByLength(graphemesOf(text), limit);
}

function trimmedRange(graphemes: Grapheme[], start: number, end: number): [number, number] {
  let from = start;
  let to = end;
  while (from < to && graphemes[from]!.whitespace) from++;
  while (to > from && graphemes[to - 1]!.whitespace) to--;
  return [from, to];
}

function join(graphemes: Grapheme[], start: number, end: number): string {
  let text = "";
  for (let index = start; index < end; index++) text += graphemes[index]!.text;
  return text;
}

function chunkByLength(graphemes: Grapheme[], limit: number): string[] {
  const chunks: string[] = [];
  let [start, end] = trimmedRange(graphemes, 0, graphemes.length);

  while (start < end) {
    // The furthest grapheme boundary within the limit, and the best whitespace to break at before it.
    let size = 0;
    let stop = start;
    let lastWhitespace = -1;
    let lastNewline = -1;
    while (stop < end && size + graphemes[stop]!.text.length <= limit) {
      size += graphemes[stop]!.text.length;
      if (graphemes[stop]!.whitespace) {
        lastWhitespace = stop;
        if (graphemes[stop]!.text.includes("\n")) lastNewline = stop;
      }
      stop++;
    }

    if (stop === end) {
      chunks.push(join(graphemes, start, end));
      break;
    }
    // The grapheme just past the limit may itself be the whitespace to break at.
    if (graphemes[stop]!.whitespace) {
      lastWhitespace = stop;
      if (graphemes[stop]!.text.includes("\n")) lastNewline = stop;
    }

    if (stop === start) {
      // One grapheme longer than the whole limit (e.g. a long combining sequence): split it by code points.
      const pieces = splitGrapheme(graphemes[start]!.text, limit);
      chunks.push(...pieces);
      [start] = trimmedRange(graphemes, start + 1, end);
      continue;
    }

    // A line break in the latter half reads better than the last space; no whitespace at all means a hard cut.
    const breakAt =
      lastNewline > start && lastNewline - start >= (stop - start) / 2
        ? lastNewline
        : lastWhitespace > start
          ? lastWhitespace
          : stop;
    const [, chunkEnd] = trimmedRange(graphemes, start, breakAt);
    chunks.push(join(graphemes, start, chunkEnd));
    [start] = trimmedRange(graphemes, breakAt, end);
  }
  return chunks;
}

/** Packs whole code points into pieces of at most `limit` units; a surrogate pair is never cut. */
function splitGrapheme(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let piece = "";
  for (const codePoint of text) {
    if (piece && piece.length + codePoint.length > limit) {
      pieces.push(piece);
      piece = "";
    }
    piece += codePoint;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

const paragraphBreak = /\n[^\S\n]*\n\s*/;

function chunkByParagraphs(text: string, limit: number): string[] {
  const chunks: string[] = [];
  for (const paragraph of text.split(paragraphBreak)) {
    if (!paragraph.trim()) continue;
    if (paragraph.trim().length <= limit) {
      chunks.push(...chunkByLength(graphemesOf(paragraph), limit));
      continue;
    }
    chunks.push(...chunkByLines(paragraph, limit));
  }
  return chunks;
}

/** Packs whole lines into chunks; a line longer than the limit goes through length chunking on its own. */
function chunkByLines(paragraph: string, limit: number): string[] {
  const chunks: string[] = [];
  let current = "";
  const flush = () => {
    if (current.trim()) chunks.push(...chunkByLength(graphemesOf(current), limit));
    current = "";
  };
  for (const line of paragraph.split("\n")) {
    const candidate = current ? `${current}\n${line}` : line;
    if (candidate.trim().length <= limit) {
      current = candidate;
      continue;
    }
    flush();
    if (line.trim().length <= limit) current = line;
    else chunks.push(...chunkByLength(graphemesOf(line), limit));
  }
  flush();
  return chunks;
}
