/**
 * How much structure one line from imsg may have before it is parsed. JSON.parse of a line nested millions deep
 * (or holding millions of `{}`) grows the process by hundreds of MB that the allocator keeps after GC; plain
 * strings and numbers of the same size cost no more than the line itself. imsg's objects nest under 10 deep and
 * a 1000-chat `chats.list` answer holds about 3000 objects and arrays.
 */
export interface JsonLimits {
  /** Deepest nesting of objects and arrays (default 128, serde_json's recursion limit). */
  maxDepth: number;
  /** Most objects and arrays in one line (default 100 000). */
  maxContainers: number;
}

export const defaultJsonLimits: JsonLimits = { maxDepth: 128, maxContainers: 100_000 };

export interface JsonLimitExceeded {
  limit: "depth" | "containers";
  /** Index of the `{` or `[` that went over the limit. */
  index: number;
}

const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const openBracket = 0x5b;
const closeBrace = 0x7d;
const closeBracket = 0x5d;

/**
 * Which limit `text` passes, or undefined. Brackets inside JSON strings (escaped quotes included) do not count.
 * It does not validate: on text that is not JSON it counts what JSON.parse would have read before failing.
 */
export function exceededJsonLimit(text: string, limits: JsonLimits = defaultJsonLimits): JsonLimitExceeded | undefined {
  // Runs on every line: a line with no more `{` and `[` in it, strings included, than either limit cannot pass
  // one, and counting them with indexOf costs a tenth of JSON.parse on a typical notification.
  const budget = Math.min(limits.maxDepth, limits.maxContainers);
  const brackets = countUpTo(text, "[", budget);
  if (brackets + countUpTo(text, "{", budget - brackets) <= budget) return undefined;
  return scan(text, limits);
}

function scan(text: string, limits: JsonLimits): JsonLimitExceeded | undefined {
  let depth = 0;
  let containers = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === quote) {
      index = closingQuote(text, index);
    } else if (code === openBrace || code === openBracket) {
      depth += 1;
      containers += 1;
      if (depth > limits.maxDepth) return { limit: "depth", index };
      if (containers > limits.maxContainers) return { limit: "containers", index };
    } else if (code === closeBrace || code === closeBracket) {
      depth -= 1;
    }
  }
  return undefined;
}

/** Index of the quote that ends the string opened at `open` (one preceded by an even run of backslashes). */
function closingQuote(text: string, open: number): number {
  for (let close = text.indexOf('"', open + 1); close !== -1; close = text.indexOf('"', close + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === backslash) backslashes += 1;
    if (backslashes % 2 === 0) return close;
  }
  return text.length;
}

/** Occurrences of `character` in `text`, counting stopped once past `limit`. */
function countUpTo(text: string, character: string, limit: number): number {
  let count = 0;
  for (let index = text.indexOf(character); index !== -1 && count <= limit; index = text.indexOf(character, index + 1))
    count += 1;
  return count;
}
