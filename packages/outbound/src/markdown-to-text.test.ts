import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { markdownToPlainText } from "./markdown-to-text.ts";

const golden: [string, string, string][] = [
  ["headings lose their hashes", "# Title\n\n## Section ##\nbody", "Title\n\nSection\nbody"],
  ["a setext heading loses its underline", "Title\n=====\n\nSub\n---\ntext", "Title\n\nSub\ntext"],
  [
    "bold, italic and strikethrough keep only their words",
    "**bold** *it* __b2__ _i2_ ~~gone~~ ***both***",
    "bold it b2 i2 gone both",
  ],
  [
    "snake_case, arithmetic and lone stars are not emphasis",
    "use my_var_name and 2 * 3 * 4 or a*b*c",
    "use my_var_name and 2 * 3 * 4 or a*b*c",
  ],
  [
    "inline code keeps its content and drops the backticks",
    "run `npm *test*` then ``a `b` c``",
    "run npm *test* then a `b` c",
  ],
  [
    "links become text (url)",
    "see [the docs](https://example.com/a_b_c) now",
    "see the docs (https://example.com/a_b_c) now",
  ],
  ["a link whose text is its url is written once", "[https://example.com](https://example.com)", "https://example.com"],
  [
    "autolinks and mailto lose their brackets",
    "<https://example.com> or <mailto:me@example.com> or <you@example.com>",
    "https://example.com or me@example.com or you@example.com",
  ],
  [
    "reference links resolve and their definitions vanish",
    'read [the guide][g] and [Docs][]\n\n[g]: https://example.com/guide "Guide"\n[docs]: <https://example.com/docs>',
    "read the guide (https://example.com/guide) and Docs (https://example.com/docs)",
  ],
  [
    "images keep their alt text and url",
    "![a cat](https://example.com/cat.png) ![](https://example.com/x.png)",
    "a cat (https://example.com/cat.png) https://example.com/x.png",
  ],
  [
    "urls keep balanced parentheses",
    "[Foo](https://en.wikipedia.org/wiki/Foo_(bar)) and https://en.wikipedia.org/wiki/Baz_(qux).",
    "Foo (https://en.wikipedia.org/wiki/Foo_(bar)) and https://en.wikipedia.org/wiki/Baz_(qux).",
  ],
  ["a link title is dropped", '[docs](https://example.com "The docs")', "docs (https://example.com)"],
  [
    "html entities decode outside code, comments vanish",
    "Tom &amp; Jerry &lt;3 &#x1F44B; &#128075; &bogus; <!-- note --> `&amp;`",
    "Tom & Jerry <3 👋 👋 &bogus; &amp;",
  ],
  [
    "bare urls with underscores stay intact",
    "go to https://example.com/__init__/_x_ now.",
    "go to https://example.com/__init__/_x_ now.",
  ],
  [
    "bullets become • and keep nesting",
    "- one\n* two\n  + nested **bold**\n    - deeper",
    "• one\n• two\n  • nested bold\n    • deeper",
  ],
  ["numbered lists keep their numbers", "1. first\n2) second\n10. tenth", "1. first\n2. second\n10. tenth"],
  ["task lists become check boxes", "- [ ] todo\n- [x] done", "☐ todo\n☑ done"],
  ["block quotes get a bar", "> quoted *text*\n> > nested", "│ quoted text\n│ │ nested"],
  [
    "fenced code is verbatim, fences gone",
    "Code:\n```ts\nconst a = **b**; // [x](y)\n  indented\n```\nafter",
    "Code:\nconst a = **b**; // [x](y)\n  indented\nafter",
  ],
  [
    "tilde fences and an unclosed fence keep their content",
    "~~~\n# not a heading\n~~~\n```\n- raw",
    "# not a heading\n- raw",
  ],
  ["thematic breaks become a blank line", "above\n\n---\n\nbelow\n***\nend", "above\n\nbelow\n\nend"],
  ["escapes print the character", "\\*not italic\\* and \\_x\\_ and \\# hash", "*not italic* and _x_ and # hash"],
  ["<br> becomes a line break", "one<br>two<br/>three", "one\ntwo\nthree"],
  ["runs of blank lines collapse and edges are trimmed", "\n\n\na\n\n\n\nb  \n\n", "a\n\nb"],
  [
    "tables become one header: cell line per row",
    "| Name | Role | Notes |\n|:-----|:----:|------:|\n| Ann | **Dev** | |\n| Bo | Ops | on `call` |",
    "• Name: Ann, Role: Dev\n• Name: Bo, Role: Ops, Notes: on call",
  ],
  ["a pipe in plain prose is not a table", "a | b\nnext line", "a | b\nnext line"],
  ["a table without rows keeps its header", "| Name | Role |\n|---|---|", "• Name, Role"],
  ["a delimiter row of another width makes a setext heading, not a table", "a | b\n-\ntext", "a | b\ntext"],
  ["emoji and non-Latin text pass through", "**héllo** 👋 _мир_", "héllo 👋 мир"],
];

describe("markdownToPlainText", () => {
  it.each(golden)("%s", (_name, markdown, expected) => {
    expect(markdownToPlainText(markdown)).toBe(expected);
  });

  it("leaves no markdown syntax in a typical agent answer", () => {
    const answer = [
      "## Summary",
      "",
      "Here is **what I found** about [the article](https://example.com/article):",
      "",
      "1. It is *long*.",
      "2. It uses `fetch`.",
      "",
      "| Key | Value |",
      "|---|---|",
      "| a | 1 |",
      "",
      "```",
      "npm test",
      "```",
    ].join("\n");
    const text = markdownToPlainText(answer);
    expect(text).toBe(
      [
        "Summary",
        "",
        "Here is what I found about the article (https://example.com/article):",
        "",
        "1. It is long.",
        "2. It uses fetch.",
        "",
        "• Key: a, Value: 1",
        "",
        "npm test",
      ].join("\n"),
    );
    expect(text).not.toMatch(/\*\*|`|\]\(|^#|^\|/m);
  });
});

describe("markdownToPlainText on arbitrary input", () => {
  it("never throws and never leaks a placeholder character the input did not have", () => {
    const alphabet = [
      "*",
      "_",
      "`",
      "[",
      "]",
      "(",
      ")",
      "|",
      "#",
      "-",
      "\n",
      " ",
      "a",
      "\uE000",
      "0",
      "~",
      ">",
      "!",
      "\\",
      "&",
      ";",
    ];
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 80 }), (markdown) => {
        const text = markdownToPlainText(markdown);
        expect(text).not.toContain("undefined");
        for (const mark of ["\uE000", "\uE001"]) {
          if (!markdown.includes(mark)) expect(text).not.toContain(mark);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps private-use characters the user sent, in text and in code", () => {
    expect(markdownToPlainText("a \uE000 **b** `\uE000`\n```\n\uE000\n```")).toBe("a \uE000 b \uE000\n\uE000");
  });

  it("does not open a backtick fence whose info string has a backtick", () => {
    expect(markdownToPlainText("``` `x")).toBe("``` `x");
  });

  it("restores a held span nested in another (an escape inside a link url)", () => {
    expect(markdownToPlainText("[a](http://x/\\_y) and [`c`](u)")).toBe("a (http://x/_y) and c (u)");
  });

  it("keeps a literal placeholder-looking sequence as it was", () => {
    expect(markdownToPlainText("x \uE0000\uE001 `code`")).toBe("x \uE0000\uE001 code");
  });
});
