// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import JSON5 from "json5";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.ts";
import { formatKeyPath, formatValue, type PathSegment } from "./key-path.ts";
import { loadConfig, loadConfigOrThrow } from "./load-config.ts";

// The reference document's examples as the config importer keeps them, plus one file that sets nearly every key.
const referenceDirectory = new URL("../../../apps/gateway/src/config-import/__fixtures__/reference/", import.meta.url);
const everyKey = `// Nearly every key of the schema, with comments and trailing commas as operators write them.
{
  channels: {
    defaults: { mediaMaxMb: 8, textChunkLimit: 1200 },
    imessage: {
      enabled: true,
      transport: "ssh",
      remoteHost: "bot@mac-mini.local",
      remoteCliPath: "/opt/homebrew/bin/imsg",
      dbPath: "/Users/bot/Library/Messages/chat.db",
      ssh: { port: 2222, identityFile: "~/.ssh/id_ed25519", knownHostsFile: "~/.ssh/known_hosts", keepaliveSec: 15 },
      includeAttachments: true,
      attachmentRoots: ["/Users/*/Library/Messages/Attachments"],
      remoteAttachmentRoots: ["/Users/bot/Library/Messages/Attachments"],
      dmPolicy: "pairing",
      allowFrom: ["+15555550123", "chat_id:12", "friend@example.com"],
      groupPolicy: "allowlist",
      groupAllowFrom: ["+15555550123"],
      groups: { "*": { requireMention: true }, "8421": { systemPrompt: "Be brief." } },
      chunkMode: "newline",
      actions: { reactions: true, edit: false },
      sendReadReceipts: true,
      configWrites: false,
      coalesceSameSenderDms: true,
      catchup: { enabled: true, maxAgeMinutes: 120, perRunLimit: 50, firstRunLookbackMinutes: 30, maxFailureRetries: 10 },
      maxInboundAgeMinutes: 120,
      phoneRegion: "GB",
      allowSmsSenders: false,
      errorReply: "Sorry, that failed.",
      accounts: { work: { dmPolicy: "allowlist", dbPath: "/Users/work/Library/Messages/chat.db" } },
    },
  },
  agents: {
    list: [
      { id: "main", default: true, runtime: { type: "webhook", url: "http://127.0.0.1:8080/turn", headers: { "x-team": "a" }, timeoutMs: 5000 } },
      { id: "gpt", runtime: { type: "openai", baseUrl: "http://127.0.0.1:11434/v1", model: "llama3", apiKeyEnv: "OPENAI_API_KEY", maxHistory: 10 } },
      { id: "tool", runtime: { type: "exec", command: ["/usr/bin/env", "node", "agent.js"], timeoutMs: 10000, env: { MODE: "x" } } },
      { id: "codex", groupChat: { mentionPatterns: ["@codex"] }, runtime: { type: "acp", acp: { agent: "codex", mode: "persistent" } } },
    ],
  },
  bindings: [{ type: "acp", agentId: "codex", match: { channel: "imessage", accountId: "work", peer: { kind: "group", id: "chat_id:1" } } }],
  messages: { groupChat: { mentionPatterns: ["\\\\bbot\\\\b"] }, inbound: { byChannel: { imessage: 2500 } } },
  session: { dmScope: "per-peer" },
  commands: { config: true },
  logging: { level: "info", redactHandles: true },
}
`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Source {
  name: string;
  text: string;
  value: Json;
}

const sources: Source[] = [
  ...readdirSync(referenceDirectory)
    .filter((name) => name.endsWith(".json5"))
    .map((name) => ({ name, text: readFileSync(new URL(name, referenceDirectory), "utf8") })),
  { name: "every-key.json5", text: everyKey },
]
  .map((source) => ({ ...source, value: JSON5.parse(source.text) as Json }))
  // The reference's Tailscale example carries a mangled address ("[email protected]"): not a valid base.
  .filter((source) => !JSON.stringify(source.value).includes("email protected"));

/** Keys of these objects are free-form (ids, chat keys, header names), so a new key may be fine. */
const recordKeys = new Set(["groups", "accounts", "headers", "env"]);

interface Node {
  path: PathSegment[];
  value: Json;
}
function nodes(value: Json, path: PathSegment[] = []): Node[] {
  const here = { path, value };
  if (value === null || typeof value !== "object") return [here];
  const children = Array.isArray(value)
    ? value.flatMap((item, index) => nodes(item, [...path, index]))
    : Object.entries(value).flatMap(([key, item]) => nodes(item, [...path, key]));
  return [here, ...children];
}

function edit(
  root: Json,
  path: readonly PathSegment[],
  change: (parent: Record<PathSegment, Json>, key: PathSegment) => void,
): Json {
  const copy = structuredClone(root);
  let parent = copy as Record<PathSegment, Json>;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<PathSegment, Json>;
  change(parent, path.at(-1)!);
  return copy;
}

/** A value of another JSON type than `value`'s. */
const otherType = (value: Json) =>
  fc
    .constantFrom<Json>("text", "", 7, -3.5, true, false, null, [], {}, ["x"], { nested: { deeper: 1 } })
    .filter((candidate) => typeOf(candidate) !== typeOf(value));
const typeOf = (value: Json) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

// What a line must look like: where, then what is wrong with which value and what would be right.
const keySegment = String.raw`(?:[A-Za-z0-9_$*-]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])`;
const keyPathStart = new RegExp(String.raw`^(?:\(root\)|${keySegment}(?:\.?${keySegment})*): `);
const fixHint =
  /is not|missing; expected|expected|unknown key; (did you mean|allowed here)|requires|is used by|is also set|is empty|is above|is below|is too|has too|is relative|contains shell metacharacters/;

function expectOneLineProblems(errors: readonly string[]): void {
  for (const line of errors) {
    expect(line).not.toContain("\n");
    expect(line).not.toMatch(/^\s+at |ZodError|"code":|\[object Object\]|undefined is/);
    expect(line).toMatch(keyPathStart);
    expect(line).toMatch(fixHint);
  }
}

let directory: string;
let fileCounter = 0;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), "config-loader-fuzz-"));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Through the real loader from a real file: never a throw, and loadConfigOrThrow throws only a typed ConfigError. */
async function loadText(text: string) {
  const path = join(directory, `config-${fileCounter++}.json5`);
  writeFileSync(path, text);
  const loaded = await loadConfig({ path, env: {} });
  expect(loaded.config === undefined).toBe(loaded.errors.length > 0);
  const thrown = await loadConfigOrThrow({ path, env: {} }).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (loaded.errors.length === 0) expect(thrown).toBeUndefined();
  else {
    expect(ConfigError.isInstance(thrown)).toBe(true);
    expect((thrown as ConfigError).code).toBe("CONFIG_INVALID");
    expect((thrown as ConfigError).problems).toEqual(loaded.errors);
  }
  return { ...loaded, path };
}

const source = fc.constantFrom(...sources);

describe("config loader under mutated valid configs (real files)", () => {
  it("loads every base config without a problem", async () => {
    expect(sources.length).toBeGreaterThanOrEqual(10);
    for (const base of sources) expect((await loadText(base.text)).errors, base.name).toEqual([]);
  });

  it("a leaf of the wrong type: exactly one line naming the key and the value", async () => {
    const leafChange = source.chain((base) =>
      fc
        .constantFrom(
          ...nodes(base.value).filter(
            (node) => node.path.length > 0 && typeOf(node.value) !== "object" && typeOf(node.value) !== "array",
          ),
        )
        .chain((node) => fc.tuple(fc.constant(base), fc.constant(node), otherType(node.value))),
    );
    await fc.assert(
      fc.asyncProperty(leafChange, async ([base, node, replacement]) => {
        const mutated = edit(base.value, node.path, (parent, key) => {
          parent[key] = replacement;
        });
        const { errors } = await loadText(JSON5.stringify(mutated, null, 2));
        expect(errors).toHaveLength(1);
        expectOneLineProblems(errors);
        expect(errors[0]).toContain(formatKeyPath(node.path));
        expect(errors[0]).toContain(formatValue(replacement));
      }),
      { numRuns: 150 },
    );
  });

  it("a deleted key: valid, or exactly one line naming what is missing or what now dangles", async () => {
    const deletion = source.chain((base) =>
      fc.tuple(fc.constant(base), fc.constantFrom(...nodes(base.value).filter((node) => node.path.length > 0))),
    );
    await fc.assert(
      fc.asyncProperty(deletion, async ([base, node]) => {
        const mutated = edit(base.value, node.path, (parent, key) => {
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete parent[key];
        });
        const { errors } = await loadText(JSON5.stringify(mutated));
        expect(errors.length).toBeLessThanOrEqual(1);
        expectOneLineProblems(errors);
      }),
      { numRuns: 150 },
    );
  });

  it("an unknown key: exactly one line with the key's path and the allowed keys or a suggestion", async () => {
    const addition = source.chain((base) =>
      fc.tuple(
        fc.constant(base),
        fc.constantFrom(...nodes(base.value).filter((node) => typeOf(node.value) === "object")),
        fc.oneof(
          fc.stringMatching(/^[a-z][A-Za-z]{0,12}$/),
          fc.constantFrom("dmPolcy", "enabeld", "allowfrom", "__proto__", "constructor"),
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(addition, async ([base, node, key, value]) => {
        const target = node.value as Record<string, Json>;
        fc.pre(!Object.hasOwn(target, key));
        // JSON5 text with the key spliced in literally (a __proto__ key in an object literal would set the prototype).
        const marker = "__MARKER_KEY__";
        const withMarker = edit(base.value, [...node.path, marker], (parent, at) => {
          parent[at] = value as Json;
        });
        const text = JSON5.stringify(withMarker).replace(`${marker}:`, `${JSON.stringify(key)}:`);
        const { errors } = await loadText(text);
        const inRecord = recordKeys.has(String(node.path.at(-1)));
        expectOneLineProblems(errors);
        // A new record entry (an account, a group, a header) may be fine or have problems of its own, all under it.
        for (const line of errors) expect(line.startsWith(formatKeyPath([...node.path, key]))).toBe(true);
        if (inRecord) return;
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(/: unknown key; (did you mean "[^"]+"\?|allowed here: \S)/);
      }),
      { numRuns: 150 },
    );
  });

  it("an out-of-range or non-finite number: valid (clamped) or exactly one line naming the key, the value and the range", async () => {
    const numberChange = source
      .filter((base) => nodes(base.value).some((node) => typeof node.value === "number"))
      .chain((base) =>
        fc.tuple(
          fc.constant(base),
          fc.constantFrom(...nodes(base.value).filter((node) => typeof node.value === "number")),
          fc.constantFrom(
            -1,
            0,
            0.5,
            65_536,
            1e9,
            2 ** 53 + 2,
            1e308,
            -1e308,
            Number.POSITIVE_INFINITY,
            Number.NEGATIVE_INFINITY,
            Number.NaN,
          ),
        ),
      );
    await fc.assert(
      fc.asyncProperty(numberChange, async ([base, node, replacement]) => {
        const mutated = edit(base.value, node.path, (parent, key) => {
          parent[key] = replacement;
        });
        // JSON5 writes Infinity and NaN as such, which JSON cannot.
        const { errors } = await loadText(JSON5.stringify(mutated));
        expect(errors.length).toBeLessThanOrEqual(1);
        expectOneLineProblems(errors);
        if (errors.length === 1) {
          expect(errors[0]).toContain(formatKeyPath(node.path));
          expect(errors[0]).toMatch(new RegExp(`: ${escapeRegExp(numberText(replacement))} `));
        }
      }),
      { numRuns: 120 },
    );
  });

  it("a mention pattern that does not compile: exactly one line naming it and the regex error", async () => {
    const badRegex = fc.constantFrom(
      "(bot",
      "[x",
      "*bot",
      "a{2,1}",
      "(?<name",
      "\\",
      "(?<=x",
      "[z-a]",
      "+",
      "(?P<x>y)",
    );
    await fc.assert(
      fc.asyncProperty(source, badRegex, fc.boolean(), async (base, pattern, agentLevel) => {
        const config = structuredClone(base.value) as Record<string, Json>;
        let where: PathSegment[];
        if (agentLevel) {
          config.agents = {
            list: [{ id: "main", runtime: { type: "echo" }, groupChat: { mentionPatterns: ["ok", pattern] } }],
          };
          delete config.bindings;
          where = ["agents", "list", 0, "groupChat", "mentionPatterns", 1];
        } else {
          config.messages = { groupChat: { mentionPatterns: [pattern] } };
          where = ["messages", "groupChat", "mentionPatterns", 0];
        }
        const { errors } = await loadText(JSON5.stringify(config));
        expect(errors).toHaveLength(1);
        expectOneLineProblems(errors);
        expect(errors[0]).toMatch(
          new RegExp(
            `^${escapeRegExp(formatKeyPath(where))}: ${escapeRegExp(formatValue(pattern))} is not a valid regular expression \\(.+\\)$`,
          ),
        );
      }),
      { numRuns: 60 },
    );
  });

  it("JSON5 syntax damage: either still parses, or exactly one line with the file, line and column", async () => {
    const damage = fc.oneof(
      fc.nat().map((at) => (text: string) => text.slice(0, at % text.length)),
      fc.nat().map((at) => (text: string) => text.slice(0, at % text.length) + text.slice((at % text.length) + 1)),
      fc
        .tuple(
          fc.nat(),
          fc.constantFrom("{", "}", "[", "]", ":", ",", '"', "'", "/*", "//", "\\", "\u0000", "\uFEFF", "\u2028"),
        )
        .map(
          ([at, inserted]) =>
            (text: string) =>
              text.slice(0, at % text.length) + inserted + text.slice(at % text.length),
        ),
    );
    let syntaxErrors = 0;
    await fc.assert(
      fc.asyncProperty(source, damage, async (base, change) => {
        const { errors, path } = await loadText(change(base.text));
        if (errors.some((line) => line.includes("JSON5 syntax error"))) {
          syntaxErrors += 1;
          expect(errors).toHaveLength(1);
          expect(errors[0]).not.toContain("\n");
          expect(errors[0]).toMatch(new RegExp(`^${escapeRegExp(path)}:\\d+:\\d+: JSON5 syntax error: \\S`));
          return;
        }
        expectOneLineProblems(errors);
      }),
      { numRuns: 200 },
    );
    expect(syntaxErrors).toBeGreaterThan(50);
  });

  it("a file that is not a config object at all: one line, never a throw", async () => {
    const cases: Array<[string, RegExp]> = [
      ["", /JSON5 syntax error/],
      ["// only a comment\n", /JSON5 syntax error/],
      ["[]", /^\(root\): \[\] is not an object$/],
      ["null", /^\(root\): null is not an object$/],
      ["42", /^\(root\): 42 is not an object$/],
      ['"channels"', /^\(root\): "channels" is not an object$/],
      ["{ channels: { imessage: { dmPolicy: 'open', } }, } } }", /JSON5 syntax error/],
      ["\uFEFF{ channels: {} }", /.*/],
      ["{ a: 1, a: 2 }", /^a: unknown key; allowed here: /],
      [`{ channels: ${"[".repeat(5000)} }`, /JSON5 syntax error|is not an object/],
    ];
    for (const [text, expected] of cases) {
      const { errors } = await loadText(text);
      if (text.startsWith("\uFEFF")) {
        expect(errors.length).toBeLessThanOrEqual(1);
        continue;
      }
      expect(errors, JSON.stringify(text.slice(0, 40))).toHaveLength(1);
      expect(errors[0]).toMatch(expected);
      expect(errors[0]).not.toContain("\n");
    }
    const binary = join(directory, "binary.json5");
    writeFileSync(binary, Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]));
    const loaded = await loadConfig({ path: binary, env: {} });
    expect(loaded.errors).toHaveLength(1);
    expect(loaded.errors[0]).toMatch(/JSON5 syntax error/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** How a number should appear in a problem line: as the operator wrote it, Infinity and NaN included. */
function numberText(value: number): string {
  return Number.isFinite(value) ? JSON.stringify(value) : String(value);
}

describe("problems the mutation layer found, pinned", () => {
  it("reports one line per value when zod finds several things wrong with it", async () => {
    const { errors: list } = await loadText("{ channels: { imessage: { dbPath: [] } } }");
    expect(list).toEqual(["channels.imessage.dbPath: [] is not a string"]);
    const { errors: huge } = await loadText("{ channels: { imessage: { maxInboundAgeMinutes: -1e308 } } }");
    expect(huge).toEqual(["channels.imessage.maxInboundAgeMinutes: -1e+308 is below the minimum; expected at least 1"]);
  });

  it("names Infinity and NaN as written, not as null", async () => {
    const { errors } = await loadText("{ channels: { imessage: { mediaMaxMb: NaN, textChunkLimit: -Infinity } } }");
    expect(errors).toEqual([
      "channels.imessage.mediaMaxMb: NaN is not a number",
      "channels.imessage.textChunkLimit: -Infinity is not a number",
    ]);
  });
});
