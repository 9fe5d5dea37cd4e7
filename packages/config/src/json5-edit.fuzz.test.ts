// @module-tag slow — thousands of generated documents: `pnpm test:fast` leaves it out.
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import JSON5 from "json5";
import { describe, expect, it } from "vitest";
import { type ConfigChange, editJson5Text } from "./json5-edit.ts";
import type { PathSegment } from "./key-path.ts";

type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

// Keys that need every way of writing one: bare, bare but a JSON5 word, unicode, quoted only.
const keys = ["a", "dmPolicy", "$x", "_y", "ü", "null", "Infinity", "8421", "a-b", "a b", "", "it's", 'say "hi"'];
const strings = ["", "pairing", "it's", 'say "hi"', "line\nbreak", "tab\there", "\u2028", "back\\slash", "😀"];

// fast-check's dictionaries have no prototype; json5 parses to plain objects.
function plain(record: Record<string, Value>): { [key: string]: Value } {
  return Object.fromEntries(Object.entries(record));
}

const scalar: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom<Value>(null, true, false, 0, -0, 1, 16, -3, 2.5, 0.001, 1e21, Infinity, -Infinity, Number.NaN),
  fc.constantFrom(...strings),
);
const { value: valueArbitrary } = fc.letrec<{ value: Value; object: Value; array: Value }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("object"), tie("array")),
  object: fc.dictionary(fc.constantFrom(...keys), tie("value"), { maxKeys: 4 }).map(plain),
  array: fc.array(tie("value"), { maxLength: 4 }),
}));
const documentArbitrary = fc.dictionary(fc.constantFrom(...keys), valueArbitrary, { maxKeys: 5 }).map(plain);

/** A tiny seeded generator, so one fast-check integer drives every choice of how the document is written. */
function chooser(seed: number): (options: number) => number {
  let state = seed >>> 0;
  return (options) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed);
    return ((mixed ^ (mixed >>> 14)) >>> 0) % options;
  };
}

/** The value as an operator might write it: any quoting, comments anywhere, trailing commas or not, any layout. */
function render(value: Value, seed: number): string {
  const choose = chooser(seed);
  const unit = ["  ", "    ", "\t"][choose(3)]!;
  const eol = choose(4) === 0 ? "\r\n" : "\n";
  let comments = 0;
  const blockComment = () => `/* c${comments++} */`;
  const lineComment = () => `// c${comments++}`;
  const quoted = (text: string) => JSON5.stringify(text, { quote: choose(2) ? "'" : '"' });
  const key = (name: string) => {
    const bare = /^[A-Za-z_$\u00C0-\uFFFF][A-Za-z0-9_$\u00C0-\uFFFF]*$/.test(name);
    return bare && choose(2) ? name : quoted(name);
  };
  const number = (n: number) => {
    if (Number.isInteger(n) && n > 0 && choose(3) === 0) return choose(2) ? `0x${n.toString(16)}` : `+${n}`;
    if (n > 0 && n < 1 && choose(2)) return String(n).replace(/^0/, "");
    return Object.is(n, -0) ? "-0" : String(n);
  };
  const write = (item: Value, indent: string, inline: boolean): string => {
    if (item === null || typeof item === "boolean") return String(item);
    if (typeof item === "number") return number(item);
    if (typeof item === "string") return quoted(item);
    const isArray = Array.isArray(item);
    const entries: Array<[string | undefined, Value]> = isArray
      ? item.map((element) => [undefined, element])
      : Object.entries(item);
    const [open, close] = isArray ? ["[", "]"] : ["{", "}"];
    const label = (name: string | undefined) => (name === undefined ? "" : `${key(name)}: `);
    const oneLine = inline || choose(3) === 0;
    if (entries.length === 0) {
      const inside = [" ", "", ` ${blockComment()} `, `${eol}${indent}${unit}${lineComment()}${eol}${indent}`];
      return `${open}${inside[choose(oneLine ? 3 : 4)]}${close}`;
    }
    const trailing = choose(2) === 0;
    if (oneLine) {
      const parts = entries.map(
        ([name, element]) => `${choose(5) === 0 ? `${blockComment()} ` : ""}${label(name)}${write(element, "", true)}`,
      );
      return `${open} ${parts.join(", ")}${trailing ? "," : ""}${choose(4) === 0 ? ` ${blockComment()}` : ""} ${close}`;
    }
    const inner = indent + unit;
    const lines = entries.map(([name, element], index) => {
      const before = [
        "",
        "",
        `${lineComment()}${eol}${inner}`,
        `${blockComment()} `,
        `${eol}${inner}${lineComment()}${eol}${inner}`,
      ][choose(5)];
      const comma = index < entries.length - 1 || trailing ? "," : "";
      const after = ["", "", ` ${lineComment()}`, ` ${blockComment()}`][choose(4)];
      return `${inner}${before}${label(name)}${write(element, inner, false)}${comma}${after}`;
    });
    return `${open}${eol}${lines.join(eol)}${eol}${indent}${close}`;
  };
  const head = choose(2) ? `${lineComment()}${eol}` : "";
  const tail = choose(2) ? `${eol}${blockComment()}${eol}` : eol;
  return `${head}${write(value, "", false)}${tail}`;
}

/** Every path into `value` (objects and arrays), with the value there. */
function pathsOf(value: Value, prefix: PathSegment[] = []): Array<{ path: PathSegment[]; value: Value }> {
  if (value === null || typeof value !== "object") return [];
  const entries: Array<[PathSegment, Value]> = Array.isArray(value)
    ? value.map((element, index) => [index, element])
    : Object.entries(value);
  return entries.flatMap(([segment, child]) => [
    { path: [...prefix, segment], value: child },
    ...pathsOf(child, [...prefix, segment]),
  ]);
}

/** The oracle: the change made on the parsed value, as the config writer makes it. */
function applied(root: Value, path: readonly PathSegment[], change: ConfigChange): Value {
  const copy = structuredClone(root) as Record<PathSegment, Value>;
  let current = copy as Record<PathSegment, Value>;
  for (const [depth, segment] of path.slice(0, -1).entries()) {
    if (current[segment] === undefined) {
      if (change.kind === "unset") return copy;
      Object.defineProperty(current, segment, {
        value: typeof path[depth + 1] === "number" ? [] : {},
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    current = current[segment] as Record<PathSegment, Value>;
  }
  const last = path.at(-1)!;
  if (change.kind === "set") {
    Object.defineProperty(current, last, {
      value: change.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else if (Array.isArray(current)) current.splice(Number(last), 1);
  else delete current[last];
  return copy;
}

/** A change the writer accepts: any existing path, or one below a block with new keys (or an array's [length]). */
function changeFor(document: Value, pick: number, value: Value, newKey: string, kind: number) {
  const blocks = [{ path: [] as PathSegment[], value: document }, ...pathsOf(document)].filter(
    (entry) => entry.value !== null && typeof entry.value === "object",
  );
  const existing = pathsOf(document);
  if (kind === 0 && existing.length > 0) {
    return { path: existing[pick % existing.length]!.path, change: { kind: "unset" } as ConfigChange };
  }
  if (kind === 1 && existing.length > 0) {
    return { path: existing[pick % existing.length]!.path, change: { kind: "set", value } as ConfigChange };
  }
  const block = blocks[pick % blocks.length]!;
  const next: PathSegment = Array.isArray(block.value) ? block.value.length : newKey;
  const deeper: PathSegment[] = kind === 3 ? ["nested", 0] : [];
  const path = [...block.path, next, ...deeper];
  if (!Array.isArray(block.value) && (block.value as Record<string, Value>)[newKey] !== undefined) {
    return { path: [...block.path, newKey], change: { kind: "set", value } as ConfigChange };
  }
  return { path, change: { kind: "set", value } as ConfigChange };
}

describe("editJson5Text, property", () => {
  it("an edit then a parse equals a parse then the change, and a set keeps every comment", () => {
    fc.assert(
      fc.property(
        documentArbitrary,
        fc.integer(),
        fc.nat(),
        valueArbitrary,
        fc.constantFrom(...keys),
        fc.integer({ min: 0, max: 3 }),
        (document, seed, pick, value, newKey, kind) => {
          const text = render(document, seed);
          expect(JSON5.parse(text)).toEqual(document);
          const { path, change } = changeFor(document, pick, value, newKey, kind);
          const result = editJson5Text(text, path, change);
          if ("problem" in result) throw new Error(`refused ${JSON.stringify(path)}: ${result.problem}\n${text}`);
          const expected = applied(JSON5.parse(text), path, change);
          const actual = JSON5.parse(result.text);
          if (!isDeepStrictEqual(actual, expected)) {
            throw new Error(
              `${JSON.stringify(path)} ${JSON.stringify(change)}\n${text}\n--- became ---\n${result.text}`,
            );
          }
          if (change.kind === "set") {
            const replaced = pathsOf(document).find((entry) => isDeepStrictEqual(entry.path, path));
            // Comments inside a replaced block go with it; all others stay.
            if (replaced === undefined || replaced.value === null || typeof replaced.value !== "object") {
              for (const comment of text.match(/(?:\/\/|\/\*) c\d+/g) ?? []) expect(result.text).toContain(comment);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
