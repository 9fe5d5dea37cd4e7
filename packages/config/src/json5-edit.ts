import JSON5 from "json5";
import {
  type Entry,
  isLineTerminator,
  type Json5Node,
  type Json5Tree,
  Json5TreeError,
  readJson5Tree,
} from "./json5-tree.ts";
import { formatKeyPath, type PathSegment } from "./key-path.ts";

/** What a config write does at a key path. */
export type ConfigChange = { kind: "set"; value: unknown } | { kind: "unset" };

/** The edited text, or why this change cannot be made in place (nothing is changed then). */
export type Json5EditResult = { text: string } | { problem: string };

/** How the file is written, so an inserted member reads like its neighbours. */
interface Style {
  unit: string;
  quote: "'" | '"';
  quoteKeys: boolean;
  trailingCommas: boolean;
  /** The line end new lines get: the file's own (CRLF when it has any). */
  eol: string;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

type Container = Extract<Json5Node, { entries: Entry[] }>;

const bareKey = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const arrayIndex = /^(?:0|[1-9]\d*)$/;

function lineStart(text: string, position: number): number {
  let index = position;
  while (index > 0 && !isLineTerminator(text[index - 1])) index -= 1;
  return index;
}

/** The spaces and tabs that start the line holding `position`. */
function indentOf(text: string, position: number): string {
  const start = lineStart(text, position);
  return /^[ \t]*/.exec(text.slice(start, position))![0];
}

function startsLine(text: string, position: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStart(text, position), position));
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  return /[\n\r\u2028\u2029]/.test(text.slice(from, to));
}

/** Only spaces and tabs from `position` to the end of its line. */
function restOfLineBlank(text: string, position: number): boolean {
  let index = position;
  while (index < text.length && (text[index] === " " || text[index] === "\t")) index += 1;
  return index >= text.length || isLineTerminator(text[index]);
}

/** Just past the line terminator that ends the line holding `position` (or the end of the text). */
function nextLineStart(text: string, position: number): number {
  let index = position;
  while (index < text.length && !isLineTerminator(text[index])) index += 1;
  if (text[index] === "\r" && text[index + 1] === "\n") return index + 2;
  return Math.min(index + 1, text.length);
}

/** Past the comments that follow `position` on its own line: they belong to the entry that ends there. */
function trailingEnd(tree: Json5Tree, position: number): { end: number; lineComment: boolean } {
  let end = position;
  let lineComment = false;
  for (const token of tree.tokens) {
    if (token.start < end) continue;
    if (token.kind !== "comment" || hasLineBreak(tree.text, end, token.start)) break;
    end = token.end;
    lineComment = tree.text.startsWith("//", token.start);
  }
  return { end, lineComment };
}

function commentsWithin(tree: Json5Tree, from: number, to: number): boolean {
  return tree.tokens.some((token) => token.kind === "comment" && token.start >= from && token.end <= to);
}

function containers(node: Json5Node): Container[] {
  if (node.kind === "scalar") return [];
  return [node, ...node.entries.flatMap((entry) => containers(entry.value))];
}

function detectStyle(tree: Json5Tree): Style {
  const { text } = tree;
  const all = containers(tree.root);
  const keys = all.flatMap((container) => (container.kind === "object" ? container.entries : []));
  const strings = tree.tokens.filter((token) => token.kind === "string");
  const single = strings.filter((token) => text[token.start] === "'").length;
  let unit = "  ";
  const first = all.flatMap((container) =>
    container.entries.filter((entry) => startsLine(text, entry.start)).map((entry) => ({ container, entry })),
  )[0];
  if (first) {
    const outer = indentOf(text, first.container.start);
    const inner = indentOf(text, first.entry.start);
    if (inner.length > outer.length && inner.startsWith(outer)) unit = inner.slice(outer.length);
  }
  const multiLineLasts = all
    .filter((container) => container.entries.length > 0)
    .map((container) => ({ container, last: container.entries.at(-1)! }))
    .filter(({ container, last }) => hasLineBreak(text, last.value.end, container.end));
  return {
    unit,
    quote: single > strings.length - single ? "'" : '"',
    quoteKeys: keys.length > 0 && keys.every((entry) => entry.keyQuote !== undefined),
    trailingCommas: multiLineLasts.some(({ last }) => last.commaEnd !== undefined),
    eol: text.includes("\r\n") ? "\r\n" : "\n",
  };
}

function quoteString(value: string, quote: "'" | '"'): string {
  return JSON5.stringify(value, { quote });
}

function formatKey(key: string, style: Style): string {
  return !style.quoteKeys && bareKey.test(key) ? key : quoteString(key, style.quote);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== "object";
}

function formatScalar(value: unknown, quote: "'" | '"'): string {
  if (typeof value === "string") return quoteString(value, quote);
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "boolean" || value === null) return String(value);
  throw new Json5TreeError(`${String(value)} cannot be written as JSON5`);
}

/** A value as JSON5 text: multi-line at `indent` like the file's own blocks, or on one line inside a one-line block. */
function formatValue(value: unknown, style: Style, indent: string, inline: boolean, quote = style.quote): string {
  if (isScalar(value)) return formatScalar(value, quote);
  const isArray = Array.isArray(value);
  const entries: Array<[string | undefined, unknown]> = isArray
    ? (value as unknown[]).map((item) => [undefined, item])
    : Object.entries(value as object);
  const [open, close] = isArray ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return `${open}${close}`;
  const label = (key: string | undefined) => (key === undefined ? "" : `${formatKey(key, style)}: `);
  if (inline || (isArray && entries.every(([, item]) => isScalar(item)))) {
    const parts = entries.map(([key, item]) => label(key) + formatValue(item, style, indent, true));
    const line = isArray ? `[${parts.join(", ")}]` : `{ ${parts.join(", ")} }`;
    if (inline || line.length <= 60) return line;
  }
  const inner = indent + style.unit;
  const lines = entries.map(([key, item]) => inner + label(key) + formatValue(item, style, inner, false));
  const { eol } = style;
  return `${open}${eol}${lines.join(`,${eol}`)}${style.trailingCommas ? "," : ""}${eol}${indent}${close}`;
}

/** `value` under the keys of `segments`, as the writer creates missing blocks: `[n]` makes an array. */
function nestedValue(segments: readonly PathSegment[], value: unknown, path: readonly PathSegment[]): unknown {
  let nested = value;
  for (const segment of [...segments].reverse()) {
    if (typeof segment === "number") {
      if (segment !== 0) throw new Json5TreeError(`${formatKeyPath(path)}: a new array starts at [0]`);
      nested = [nested];
    } else {
      nested = { [segment]: nested };
    }
  }
  return nested;
}

/** The entry that `segment` names in `container`; "missing" when there is none yet. */
function findEntry(container: Container, segment: PathSegment, path: readonly PathSegment[]): Entry | "missing" {
  if (container.kind === "array") {
    const key = String(segment);
    if (!arrayIndex.test(key)) throw new Json5TreeError(`${formatKeyPath(path)}: ${key} is not an array index`);
    return container.entries[Number(key)] ?? "missing";
  }
  const matches = container.entries.filter((entry) => entry.key === String(segment));
  if (matches.length > 1) {
    throw new Json5TreeError(`${formatKeyPath(path)}: the key ${JSON.stringify(segment)} is written more than once`);
  }
  return matches[0] ?? "missing";
}

/** New blocks inside `container` end like its own last entry does, when it is written over several lines. */
function localStyle(tree: Json5Tree, style: Style, container: Container): Style {
  const last = container.entries.at(-1);
  if (!last || !hasLineBreak(tree.text, last.value.end, container.end)) return style;
  return { ...style, trailingCommas: last.commaEnd !== undefined };
}

function insertEntry(
  tree: Json5Tree,
  fileStyle: Style,
  container: Container,
  segment: PathSegment,
  value: unknown,
  path: readonly PathSegment[],
): Edit[] {
  const { text } = tree;
  const style = localStyle(tree, fileStyle, container);
  let keyText = "";
  if (container.kind === "object") keyText = `${formatKey(String(segment), style)}: `;
  else if (Number(segment) !== container.entries.length) {
    throw new Json5TreeError(
      `${formatKeyPath(path)}: the array has ${container.entries.length} element${container.entries.length === 1 ? "" : "s"}; use [${container.entries.length}] to append`,
    );
  }
  const close = container.end - 1;
  const last = container.entries.at(-1);
  if (!last) {
    const outer = indentOf(text, container.start);
    const inner = outer + style.unit;
    const entryText = `${keyText}${formatValue(value, style, inner, false)}${style.trailingCommas ? "," : ""}`;
    if (!commentsWithin(tree, container.start, container.end)) {
      return [{ start: container.start + 1, end: close, text: `${style.eol}${inner}${entryText}${style.eol}${outer}` }];
    }
    if (startsLine(text, close)) {
      const at = lineStart(text, close);
      return [{ start: at, end: at, text: `${inner}${entryText}${style.eol}` }];
    }
    const space = text[close - 1] === " " || text[close - 1] === "\t" ? "" : " ";
    return [{ start: close, end: close, text: `${space}${keyText}${formatValue(value, style, "", true)} ` }];
  }
  const anchor = last.commaEnd ?? last.value.end;
  const trail = trailingEnd(tree, anchor);
  const multiLine =
    hasLineBreak(text, container.start, last.start) || trail.lineComment || hasLineBreak(text, trail.end, close);
  const edits: Edit[] = [];
  if (last.commaEnd === undefined) edits.push({ start: last.value.end, end: last.value.end, text: "," });
  const trailingComma = last.commaEnd !== undefined ? "," : "";
  if (multiLine) {
    const indent = startsLine(text, last.start)
      ? indentOf(text, last.start)
      : indentOf(text, container.start) + style.unit;
    const entryText = `${keyText}${formatValue(value, style, indent, false)}`;
    edits.push({ start: trail.end, end: trail.end, text: `${style.eol}${indent}${entryText}${trailingComma}` });
  } else {
    const entryText = `${keyText}${formatValue(value, style, "", true)}`;
    edits.push({ start: trail.end, end: trail.end, text: ` ${entryText}${trailingComma}` });
  }
  return edits;
}

function removeEntry(tree: Json5Tree, container: Container, entry: Entry): Edit[] {
  const { text } = tree;
  const index = container.entries.indexOf(entry);
  const trail = trailingEnd(tree, entry.commaEnd ?? entry.value.end);
  let from = entry.start;
  let to: number;
  if (restOfLineBlank(text, trail.end)) {
    if (startsLine(text, from)) {
      from = lineStart(text, from);
      to = nextLineStart(text, trail.end);
    } else {
      while (from > 0 && (text[from - 1] === " " || text[from - 1] === "\t")) from -= 1;
      to = trail.end;
    }
  } else {
    to = trail.end;
    while (text[to] === " " || text[to] === "\t") to += 1;
  }
  const previous = container.entries[index - 1];
  if (previous?.commaEnd !== undefined && entry.commaEnd === undefined && from > previous.commaEnd) {
    // A last member sharing its line with the block's end (`[a, b]`): drop it with the comma before it.
    if (!startsLine(text, entry.start) && !commentsWithin(tree, previous.commaEnd, entry.start)) {
      return [{ start: previous.commaEnd - 1, end: trail.end, text: "" }];
    }
  }
  const keepsComments = commentsWithin(tree, container.start, from) || commentsWithin(tree, to, container.end);
  if (container.entries.length === 1 && !keepsComments) {
    return [{ start: container.start + 1, end: container.end - 1, text: "" }];
  }
  const edits: Edit[] = [{ start: from, end: to, text: "" }];
  // The last entry had no comma: drop the one before it too, so the block keeps its style (JSON stays JSON).
  if (entry.commaEnd === undefined && previous?.commaEnd !== undefined) {
    edits.push({ start: previous.commaEnd - 1, end: previous.commaEnd, text: "" });
  }
  return edits;
}

function applyEdits(text: string, edits: readonly Edit[]): string {
  // From the end, so earlier offsets stay valid; of two inserts at one offset, the one listed first ends up first.
  const ordered = edits
    .map((edit, order) => ({ edit, order }))
    .sort((a, b) => b.edit.start - a.edit.start || b.order - a.order);
  let result = text;
  for (const { edit } of ordered) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return result;
}

function editsFor(tree: Json5Tree, path: readonly PathSegment[], change: ConfigChange): Edit[] {
  const style = detectStyle(tree);
  let node = tree.root;
  for (const [depth, segment] of path.entries()) {
    if (node.kind === "scalar") {
      throw new Json5TreeError(`${formatKeyPath(path.slice(0, depth))} is not an object`);
    }
    const entry = findEntry(node, segment, path);
    if (entry === "missing") {
      if (change.kind === "unset") return [];
      return insertEntry(tree, style, node, segment, nestedValue(path.slice(depth + 1), change.value, path), path);
    }
    if (depth === path.length - 1) {
      if (change.kind === "unset") return removeEntry(tree, node, entry);
      const inline = !hasLineBreak(tree.text, node.start, node.end);
      const quote = entry.value.kind === "scalar" ? (entry.value.quote ?? style.quote) : style.quote;
      const indent = indentOf(tree.text, entry.start);
      const text = formatValue(change.value, localStyle(tree, style, node), indent, inline, quote);
      return [{ start: entry.value.start, end: entry.value.end, text }];
    }
    node = entry.value;
  }
  return [];
}

/**
 * Sets or removes the value at `path` in JSON5 `text`, changing only that value's text (or inserting one member
 * beside its neighbours, indented like them): comments, quotes and blank lines elsewhere stay as written. A text
 * this reader cannot follow, or a path it cannot place, is a `problem` and nothing is changed.
 */
export function editJson5Text(text: string, path: readonly PathSegment[], change: ConfigChange): Json5EditResult {
  if (path.length === 0) return { problem: "a write needs a key path" };
  try {
    const tree = readJson5Tree(text);
    if (tree.root.kind !== "object") return { problem: "the file does not hold one object" };
    return { text: applyEdits(text, editsFor(tree, path, change)) };
  } catch (error) {
    if (error instanceof Json5TreeError) return { problem: error.message };
    throw error;
  }
}
