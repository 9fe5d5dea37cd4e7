import JSON5 from "json5";

/**
 * A JSON5 document as spans of its text, so an edit can replace one value and leave every comment, quote and blank
 * line around it as the operator wrote them. json5 itself parses to plain values and forgets all of that.
 */

export type TokenKind = "punctuator" | "string" | "number" | "literal" | "identifier" | "comment";

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
}

export type Json5Node = ObjectNode | ArrayNode | ScalarNode;

/** One member of an object (`key: value,`) or element of an array; `start` is where its key (or value) begins. */
export interface Entry {
  /** The decoded key; undefined for array elements. */
  key: string | undefined;
  /** How the key was written: quoted (`'` or `"`) or bare. */
  keyQuote: "'" | '"' | undefined;
  start: number;
  value: Json5Node;
  /** Just after the comma that follows this entry; undefined when none does. */
  commaEnd: number | undefined;
}

export interface ObjectNode {
  kind: "object";
  start: number;
  end: number;
  entries: Entry[];
}

export interface ArrayNode {
  kind: "array";
  start: number;
  end: number;
  entries: Entry[];
}

export interface ScalarNode {
  kind: "scalar";
  start: number;
  end: number;
  /** The quote of a string value; undefined for numbers and literals. */
  quote: "'" | '"' | undefined;
}

export interface Json5Tree {
  text: string;
  /** Every token, comments included, in order. */
  tokens: Token[];
  root: Json5Node;
}

/** The text cannot be read as JSON5 by this reader (json5 may still parse it): callers must not edit it. */
export class Json5TreeError extends Error {}

const lineTerminator = /[\n\r\u2028\u2029]/;
// JSON5 white space: ECMAScript's WhiteSpace and LineTerminator (Zs covers the space separators).
const whiteSpace = /[\t\n\v\f\r \u00A0\u2028\u2029\uFEFF\p{Zs}]/u;
const identifierStart = /[$_\p{ID_Start}]|\\u[0-9a-fA-F]{4}/uy;
const identifierPart = /[$_\p{ID_Continue}]|\u200C|\u200D|\\u[0-9a-fA-F]{4}/uy;
const numberPattern = /[+-]?(?:Infinity|NaN|0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/y;
const literals = new Set(["true", "false", "null"]);

export function isLineTerminator(character: string | undefined): boolean {
  return character !== undefined && lineTerminator.test(character);
}

function matchAt(pattern: RegExp, text: string, index: number): number {
  pattern.lastIndex = index;
  return pattern.test(text) ? pattern.lastIndex : -1;
}

function identifierEnd(text: string, index: number): number {
  let end = matchAt(identifierStart, text, index);
  if (end < 0) return -1;
  for (let next = matchAt(identifierPart, text, end); next > 0; next = matchAt(identifierPart, text, end)) end = next;
  return end;
}

function stringEnd(text: string, index: number): number {
  const quote = text[index];
  let position = index + 1;
  while (position < text.length) {
    const character = text[position];
    if (character === quote) return position + 1;
    if (character === "\\") position += text[position + 1] === "\r" && text[position + 2] === "\n" ? 3 : 2;
    else if (character === "\n" || character === "\r") break;
    else position += 1;
  }
  throw new Json5TreeError(`unterminated string at offset ${index}`);
}

/** The token that starts at `index` (not white space). */
function scanToken(text: string, index: number): { kind: TokenKind; end: number } {
  const character = text[index]!;
  if (character === "/" && text[index + 1] === "/") {
    let end = index + 2;
    while (end < text.length && !isLineTerminator(text[end])) end += 1;
    return { kind: "comment", end };
  }
  if (character === "/" && text[index + 1] === "*") {
    const close = text.indexOf("*/", index + 2);
    if (close < 0) throw new Json5TreeError(`unterminated comment at offset ${index}`);
    return { kind: "comment", end: close + 2 };
  }
  if ("{}[]:,".includes(character)) return { kind: "punctuator", end: index + 1 };
  if (character === '"' || character === "'") return { kind: "string", end: stringEnd(text, index) };
  const numberEnd = matchAt(numberPattern, text, index);
  if (numberEnd > 0) return { kind: "number", end: numberEnd };
  const wordEnd = identifierEnd(text, index);
  if (wordEnd > 0) return { kind: literals.has(text.slice(index, wordEnd)) ? "literal" : "identifier", end: wordEnd };
  throw new Json5TreeError(`unexpected ${JSON.stringify(character)} at offset ${index}`);
}

/** Splits JSON5 text into tokens, comments included; white space is what lies between them. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    if (whiteSpace.test(text[index]!)) {
      index += 1;
      continue;
    }
    const { kind, end } = scanToken(text, index);
    // `1true`, `truex`: json5 refuses these, and so must the reader that locates values.
    if ((kind === "number" || kind === "literal") && identifierEnd(text, end) > 0) {
      throw new Json5TreeError(`unexpected character at offset ${end}`);
    }
    tokens.push({ kind, start: index, end });
    index = end;
  }
  return tokens;
}

/** Reads the value tokens (comments skipped) into a tree of spans. */
class TreeReader {
  readonly #text: string;
  readonly #tokens: Token[];
  #index = 0;

  constructor(text: string, tokens: Token[]) {
    this.#text = text;
    this.#tokens = tokens.filter((token) => token.kind !== "comment");
  }

  read(): Json5Node {
    const root = this.#value();
    if (this.#index < this.#tokens.length) this.#fail("more after the end of the document");
    return root;
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#index];
  }

  #next(): Token {
    const token = this.#tokens[this.#index++];
    if (!token) this.#fail("the document ends too early");
    return token!;
  }

  #textOf(token: Token): string {
    return this.#text.slice(token.start, token.end);
  }

  #fail(reason: string, token?: Token): never {
    throw new Json5TreeError(token ? `${reason} at offset ${token.start}` : reason);
  }

  #isPunctuator(token: Token | undefined, character: string): boolean {
    return token?.kind === "punctuator" && this.#text[token.start] === character;
  }

  #value(): Json5Node {
    const token = this.#next();
    if (this.#isPunctuator(token, "{")) return this.#container("object", token, "}");
    if (this.#isPunctuator(token, "[")) return this.#container("array", token, "]");
    if (token.kind === "string") {
      return { kind: "scalar", start: token.start, end: token.end, quote: this.#text[token.start] as "'" | '"' };
    }
    if (token.kind === "number" || token.kind === "literal") {
      return { kind: "scalar", start: token.start, end: token.end, quote: undefined };
    }
    return this.#fail("expected a value", token);
  }

  #key(): Pick<Entry, "key" | "keyQuote" | "start"> {
    const token = this.#next();
    // `Infinity` and `NaN` read as numbers, but bare they are identifiers, so keys too.
    const bareNumberName = token.kind === "number" && /^(?:Infinity|NaN)$/.test(this.#textOf(token));
    if (token.kind !== "string" && token.kind !== "identifier" && token.kind !== "literal" && !bareNumberName) {
      this.#fail("expected a key", token);
    }
    // json5 decodes the key (escapes included) exactly as it will when the file is loaded.
    const decoded = Object.keys(JSON5.parse(`{${this.#textOf(token)}:0}`) as object)[0];
    const quote = token.kind === "string" ? (this.#text[token.start] as "'" | '"') : undefined;
    return { key: decoded, keyQuote: quote, start: token.start };
  }

  #container(kind: "object" | "array", open: Token, closeCharacter: string): ObjectNode | ArrayNode {
    const entries: Entry[] = [];
    for (;;) {
      const token = this.#peek();
      if (this.#isPunctuator(token, closeCharacter)) {
        this.#index += 1;
        return { kind, start: open.start, end: token!.end, entries } as ObjectNode | ArrayNode;
      }
      let entry: Pick<Entry, "key" | "keyQuote" | "start">;
      if (kind === "object") {
        entry = this.#key();
        const colon = this.#next();
        if (!this.#isPunctuator(colon, ":")) this.#fail("expected ':'", colon);
      } else {
        entry = { key: undefined, keyQuote: undefined, start: token?.start ?? open.end };
      }
      const value = this.#value();
      const after = this.#peek();
      const commaEnd = this.#isPunctuator(after, ",") ? after!.end : undefined;
      entries.push({ ...entry, value, commaEnd });
      if (commaEnd !== undefined) this.#index += 1;
      else if (!after) this.#fail("the document ends too early");
      else if (!this.#isPunctuator(after, closeCharacter)) this.#fail(`expected ',' or '${closeCharacter}'`, after);
    }
  }
}

/** The tree of a JSON5 document; throws `Json5TreeError` for anything it cannot read. */
export function readJson5Tree(text: string): Json5Tree {
  const tokens = tokenize(text);
  return { text, tokens, root: new TreeReader(text, tokens).read() };
}
