import JSON5 from "json5";
import { describe, expect, it } from "vitest";
import { type ConfigChange, editJson5Text } from "./json5-edit.ts";
import type { PathSegment } from "./key-path.ts";

const set = (value: unknown): ConfigChange => ({ kind: "set", value });
const unset: ConfigChange = { kind: "unset" };

/** The edited text; fails the test when the editor refused. */
function edited(text: string, path: PathSegment[], change: ConfigChange): string {
  const result = editJson5Text(text, path, change);
  if ("problem" in result) throw new Error(`refused: ${result.problem}`);
  return result.text;
}

const lines = (...rows: string[]) => `${rows.join("\n")}\n`;

describe("editJson5Text replaces a value in place", () => {
  const commented = lines(
    "// The operator's notes stay where they are.",
    "{",
    "  /* who may DM */",
    "  channels: {",
    "    imessage: {",
    '      dmPolicy: "pairing", // ask strangers for a code',
    "      textChunkLimit: 4000,",
    "    },",
    "  },",
    "}",
  );

  it("changes only the value's text, keeping comments before, after and inside objects", () => {
    expect(edited(commented, ["channels", "imessage", "dmPolicy"], set("allowlist"))).toBe(
      commented.replace('"pairing"', '"allowlist"'),
    );
    expect(edited(commented, ["channels", "imessage", "textChunkLimit"], set(1200))).toBe(
      commented.replace("4000", "1200"),
    );
  });

  it("keeps the quote a string was written with, and double-quoted JSON stays JSON", () => {
    const single = "{ channels: { imessage: { dmPolicy: 'pairing' } } }";
    expect(edited(single, ["channels", "imessage", "dmPolicy"], set("open"))).toBe(
      "{ channels: { imessage: { dmPolicy: 'open' } } }",
    );
    const json = lines("{", '  "channels": {', '    "imessage": { "dmPolicy": "pairing" }', "  }", "}");
    const result = edited(json, ["channels", "imessage", "allowFrom"], set(["*"]));
    expect(result).toBe(
      lines("{", '  "channels": {', '    "imessage": { "dmPolicy": "pairing", "allowFrom": ["*"] }', "  }", "}"),
    );
    expect(JSON.parse(result)).toEqual({ channels: { imessage: { dmPolicy: "pairing", allowFrom: ["*"] } } });
  });

  it("finds keys written unquoted, single-quoted, double-quoted or with escapes", () => {
    const keys = `{ 'channels': { "imessage": { groups: { "8421": { requireMention: true } }, \\u0064mPolicy: "open" } } }`;
    expect(edited(keys, ["channels", "imessage", "groups", "8421", "requireMention"], set(false))).toBe(
      keys.replace("requireMention: true", "requireMention: false"),
    );
    expect(edited(keys, ["channels", "imessage", "dmPolicy"], set("pairing"))).toBe(
      keys.replace('\\u0064mPolicy: "open"', '\\u0064mPolicy: "pairing"'),
    );
  });

  it("replaces a whole block with one indented like its neighbours", () => {
    const text = lines("{", "  channels: {", '    imessage: { dmPolicy: "open" },', "  },", "}");
    expect(edited(text, ["channels", "imessage"], set({ dmPolicy: "pairing", catchup: { enabled: true } }))).toBe(
      lines(
        "{",
        "  channels: {",
        "    imessage: {",
        '      dmPolicy: "pairing",',
        "      catchup: {",
        "        enabled: true,",
        "      },",
        "    },",
        "  },",
        "}",
      ),
    );
  });

  it("replaces array elements by index, keeping JSON5 numbers and literals readable", () => {
    const text = "{ list: [1, 0x10, +Infinity, NaN, 'a', null] }";
    expect(edited(text, ["list", 1], set(17))).toBe("{ list: [1, 17, +Infinity, NaN, 'a', null] }");
    expect(edited(text, ["list", "5"], set("b"))).toBe("{ list: [1, 0x10, +Infinity, NaN, 'a', 'b'] }");
    expect(edited(text, ["list", 2], set(-0))).toBe("{ list: [1, 0x10, -0, NaN, 'a', null] }");
  });
});

describe("editJson5Text adds a key that does not exist yet", () => {
  it("adds a member after the last one, with its indentation and the file's trailing commas", () => {
    const text = lines(
      "{",
      "  // Who answers",
      "  agents: {},",
      "  channels: {",
      '    imessage: { dmPolicy: "open" },',
      "  },",
      "}",
    );
    expect(edited(text, ["logging", "level"], set("debug"))).toBe(
      lines(
        "{",
        "  // Who answers",
        "  agents: {},",
        "  channels: {",
        '    imessage: { dmPolicy: "open" },',
        "  },",
        "  logging: {",
        '    level: "debug",',
        "  },",
        "}",
      ),
    );
  });

  it("adds the missing comma when the last member had none, after its trailing comment", () => {
    const text = lines("{", '  "a": 1, // one', '  "b": 2 // two', "}");
    expect(edited(text, ["c"], set(3))).toBe(lines("{", '  "a": 1, // one', '  "b": 2, // two', '  "c": 3', "}"));
  });

  it("adds to a one-line object on the same line, comma or trailing comma as written", () => {
    expect(edited("{ a: 1 }", ["b"], set({ c: [true] }))).toBe("{ a: 1, b: { c: [true] } }");
    expect(edited("{ a: 1, }", ["b"], set("x"))).toBe('{ a: 1, b: "x", }');
    expect(edited("{ a: 1 /* one */ }", ["b"], set(2))).toBe("{ a: 1, /* one */ b: 2 }");
  });

  it("adds a line when a one-line object ends in a line comment", () => {
    expect(edited("{ a: 1 // one\n}", ["b"], set(2))).toBe("{ a: 1, // one\n  b: 2\n}");
  });

  it("fills an empty object, one holding only comments, and creates the blocks on the way", () => {
    expect(edited("{}", ["channels", "imessage", "dmPolicy"], set("open"))).toBe(
      lines("{", "  channels: {", "    imessage: {", '      dmPolicy: "open"', "    }", "  }", "}").trimEnd(),
    );
    const commentOnly = lines("{", "  channels: {", "    // nothing yet", "  },", "}");
    expect(edited(commentOnly, ["channels", "imessage"], set({}))).toBe(
      lines("{", "  channels: {", "    // nothing yet", "    imessage: {},", "  },", "}"),
    );
    expect(edited("{ a: { /* none */ } }", ["a", "b"], set(1))).toBe("{ a: { /* none */ b: 1 } }");
  });

  it("appends to an array at [length] and makes a new array for [0]", () => {
    expect(edited("{ allowFrom: ['+15555550123'] }", ["allowFrom", 1], set("*"))).toBe(
      "{ allowFrom: ['+15555550123', '*'] }",
    );
    expect(edited("{ agents: {} }", ["agents", "list", 0, "id"], set("main"))).toBe(
      lines("{ agents: {", "  list: [", "    {", '      id: "main"', "    }", "  ]", "} }").trimEnd(),
    );
  });

  it("keeps tab indentation and CRLF line ends it finds", () => {
    const text = '{\r\n\t"a": {\r\n\t\t"b": 1\r\n\t}\r\n}\r\n';
    const result = edited(text, ["a", "c"], set(2));
    expect(result).toBe('{\r\n\t"a": {\r\n\t\t"b": 1,\r\n\t\t"c": 2\r\n\t}\r\n}\r\n');
    expect(JSON5.parse(result)).toEqual({ a: { b: 1, c: 2 } });
  });
});

describe("editJson5Text removes a key", () => {
  const text = lines(
    "{",
    "  channels: {",
    "    imessage: {",
    "      // the policy",
    '      dmPolicy: "open", // for now',
    '      allowFrom: ["*", "+15555550123"],',
    "      textChunkLimit: 1000",
    "    },",
    "  },",
    "}",
  );

  it("drops the member's line and its trailing comment, keeping the comment above", () => {
    expect(edited(text, ["channels", "imessage", "dmPolicy"], unset)).toBe(
      lines(
        "{",
        "  channels: {",
        "    imessage: {",
        "      // the policy",
        '      allowFrom: ["*", "+15555550123"],',
        "      textChunkLimit: 1000",
        "    },",
        "  },",
        "}",
      ),
    );
  });

  it("drops the comma before a removed last member when the block had no trailing comma", () => {
    expect(edited(text, ["channels", "imessage", "textChunkLimit"], unset)).toBe(
      text.replace('"+15555550123"],\n      textChunkLimit: 1000\n', '"+15555550123"]\n'),
    );
  });

  it("removes array elements and one-line members, and empties a block that is left with nothing", () => {
    expect(edited(text, ["channels", "imessage", "allowFrom", 0], unset)).toBe(text.replace('"*", ', ""));
    expect(edited(text, ["channels", "imessage", "allowFrom", 1], unset)).toBe(text.replace(', "+15555550123"', ""));
    expect(edited("{ a: 1, b: 2, c: 3 }", ["b"], unset)).toBe("{ a: 1, c: 3 }");
    expect(edited("{ a: 1, b: 2 }", ["b"], unset)).toBe("{ a: 1 }");
    expect(edited("{ a: { b: 1 } }", ["a", "b"], unset)).toBe("{ a: {} }");
  });

  it("leaves the text as it is when the key is not there", () => {
    expect(edited(text, ["channels", "imessage", "catchup", "enabled"], unset)).toBe(text);
  });
});

describe("editJson5Text refuses what it cannot place, changing nothing", () => {
  it("names a key written twice, a gap in an array, a value that is not a block, and text it cannot read", () => {
    expect(editJson5Text("{ a: 1, a: 2 }", ["a"], set(3))).toEqual({
      problem: 'a: the key "a" is written more than once',
    });
    expect(editJson5Text("{ list: [1] }", ["list", 3], set(3))).toEqual({
      problem: "list[3]: the array has 1 element; use [1] to append",
    });
    expect(editJson5Text("{ a: 1 }", ["a", "b"], set(3))).toEqual({ problem: "a is not an object" });
    expect(editJson5Text("{ a: 1", ["a"], set(3))).toEqual({ problem: "the document ends too early" });
    expect(editJson5Text("{ a: 1 b: 2 }", ["a"], set(3))).toEqual({ problem: "expected ',' or '}' at offset 7" });
    expect(editJson5Text("{ a: 'x }", ["a"], set(3))).toEqual({ problem: "unterminated string at offset 5" });
    expect(editJson5Text("[1]", [0], set(3))).toEqual({ problem: "the file does not hold one object" });
  });
});
