import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingLogger } from "@imessage-channel/kit";
import { LocalTransport } from "@imessage-channel/transport";
import { waitFor } from "@imessage-channel/vitest-config/wait-for";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileCheck } from "./compiled-check.ts";
import { ImsgClient } from "./imsg-client.ts";
import type { Message } from "./imsg-objects.ts";
import { parseMessage } from "./parse-wire.ts";
import { fixtureResult, recordedMessages } from "./test-support/fixtures.ts";
import { messageNotificationLine } from "./test-support/scripted-transport.ts";
import { wireMessageSchema, wireValidMessageNotificationSchema } from "./wire-schemas.ts";

// Real payloads: the recorded watch stream plus history rows that carry attachments and reactions.
const seeds = [
  ...recordedMessages(),
  ...fixtureResult<{ messages: unknown[] }>("messages-history.response.jsonl").messages,
] as Array<Record<string, unknown>>;

// docs/imsg-protocol.md, Objects (Message, Attachment, Reaction) written out as a table, independently of the zod
// schemas under test.
type FieldType = "int" | "number" | "string" | "boolean" | "strings" | "attachments" | "reactions";
const messageFields: Record<string, { type: FieldType; always: boolean }> = {
  id: { type: "int", always: true },
  chat_id: { type: "int", always: true },
  guid: { type: "string", always: true },
  sender: { type: "string", always: true },
  sender_name: { type: "string", always: false },
  is_from_me: { type: "boolean", always: true },
  text: { type: "string", always: true },
  created_at: { type: "string", always: true },
  attachments: { type: "attachments", always: true },
  reactions: { type: "reactions", always: true },
  reply_to_guid: { type: "string", always: false },
  thread_originator_guid: { type: "string", always: false },
  reply_to_text: { type: "string", always: false },
  reply_to_sender: { type: "string", always: false },
  destination_caller_id: { type: "string", always: false },
  is_reaction: { type: "boolean", always: false },
  reaction_type: { type: "string", always: false },
  reaction_emoji: { type: "string", always: false },
  is_reaction_add: { type: "boolean", always: false },
  reacted_to_guid: { type: "string", always: false },
  chat_identifier: { type: "string", always: true },
  chat_guid: { type: "string", always: true },
  chat_name: { type: "string", always: true },
  participants: { type: "strings", always: true },
  is_group: { type: "boolean", always: true },
};
const attachmentFields: Record<string, { type: FieldType; always: boolean }> = {
  filename: { type: "string", always: true },
  transfer_name: { type: "string", always: true },
  uti: { type: "string", always: true },
  mime_type: { type: "string", always: true },
  total_bytes: { type: "number", always: true },
  is_sticker: { type: "boolean", always: true },
  original_path: { type: "string", always: true },
  missing: { type: "boolean", always: true },
  converted_path: { type: "string", always: false },
  converted_mime_type: { type: "string", always: false },
};
const reactionFields: Record<string, { type: FieldType; always: boolean }> = {
  id: { type: "int", always: true },
  type: { type: "string", always: true },
  emoji: { type: "string", always: true },
  sender: { type: "string", always: true },
  sender_name: { type: "string", always: false },
  is_from_me: { type: "boolean", always: true },
  created_at: { type: "string", always: true },
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case "int":
      return Number.isSafeInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "strings":
      return Array.isArray(value) && value.every((item) => typeof item === "string");
    case "attachments":
      return Array.isArray(value) && value.every((item) => conforms(item, attachmentFields));
    case "reactions":
      return Array.isArray(value) && value.every((item) => conforms(item, reactionFields));
  }
}

/** Whether the spec says a client may accept this object: every "always" field present, every field well typed. */
function conforms(value: unknown, fields: Record<string, { type: FieldType; always: boolean }>): boolean {
  if (!isObject(value)) return false;
  return Object.entries(fields).every(([key, field]) =>
    value[key] === undefined ? !field.always : hasType(value[key], field.type),
  );
}

const camel = (key: string) => key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());

// Values a broken or hostile imsg could put anywhere.
const garbage = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    0,
    -1,
    1.5,
    -0,
    2 ** 53,
    2 ** 53 + 2,
    1e308,
    -1e308,
    "",
    "12",
    "true",
    true,
    false,
    [],
    {},
    [[["deep"]]],
    { a: { b: { c: [null, { d: "\u0000" }] } } },
    "\u202Eevil\u200B",
    "\uD800",
    "A\u0301",
  ),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.jsonValue({ maxDepth: 3 }),
);

type Mutation =
  | { kind: "drop"; path: (string | number)[] }
  | { kind: "set"; path: (string | number)[]; value: unknown }
  | { kind: "extra-key"; key: string; value: unknown };

/** A key path inside the message: top-level, or inside its first attachment or reaction when it has one. */
const fieldPath = (message: Record<string, unknown>) => {
  const candidates: (string | number)[][] = Object.keys(messageFields).map((key) => [key]);
  if (Array.isArray(message.attachments) && message.attachments.length > 0)
    candidates.push(...Object.keys(attachmentFields).map((key) => ["attachments", 0, key]));
  if (Array.isArray(message.reactions) && message.reactions.length > 0)
    candidates.push(...Object.keys(reactionFields).map((key) => ["reactions", 0, key]));
  return fc.constantFrom(...candidates);
};

const seededMutation = fc.constantFrom(...seeds).chain((seed) =>
  fc.tuple(
    fc.constant(seed),
    fc.array(
      fc.oneof(
        fieldPath(seed).map((path): Mutation => ({ kind: "drop", path })),
        fc.tuple(fieldPath(seed), garbage).map(([path, value]): Mutation => ({ kind: "set", path, value })),
        fc
          .tuple(fc.constantFrom("text", "sender", "chat_name", "guid"), fc.string({ unit: "binary", maxLength: 40 }))
          .map(([key, value]): Mutation => ({ kind: "set", path: [key], value })),
        fc
          .tuple(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 4 }))
          .filter(([key]) => !(key in messageFields) && key !== "__proto__")
          .map(([key, value]): Mutation => ({ kind: "extra-key", key, value })),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  ),
);

function applyMutations(seed: Record<string, unknown>, mutations: readonly Mutation[]): Record<string, unknown> {
  const copy = structuredClone(seed);
  for (const mutation of mutations) {
    if (mutation.kind === "extra-key") {
      copy[mutation.key] = mutation.value;
      continue;
    }
    let parent: Record<string | number, unknown> | undefined = copy;
    for (const segment of mutation.path.slice(0, -1)) parent = parent?.[segment] as typeof parent;
    if (!isObject(parent) && !Array.isArray(parent)) continue;
    const last = mutation.path.at(-1)!;
    if (mutation.kind === "drop") delete parent[last];
    else parent[last] = mutation.value;
  }
  return copy;
}

describe("message schema under mutated real notifications", () => {
  it("accepts exactly the messages the protocol table allows, and says in one line what is wrong with the rest", () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(seededMutation, ([seed, mutations]) => {
        const mutated = applyMutations(seed, mutations);
        // Through JSON, as the wire carries it: -0 becomes 0, undefined keys vanish.
        const wire = JSON.parse(JSON.stringify(mutated)) as Record<string, unknown>;
        const parsed = parseMessage(wire);
        expect(parsed.success).toBe(conforms(wire, messageFields));
        if (!parsed.success) {
          refused += 1;
          expect(parsed.problem).not.toContain("\n");
          // Names where the problem is: a field of the table, possibly inside an attachment or reaction.
          expect(parsed.problem).toMatch(/^[a-z_]+(\.\d+(\.[a-z_]+)?)?: /);
          return;
        }
        accepted += 1;
        const message = parsed.value as unknown as Record<string, unknown>;
        for (const [key, field] of Object.entries(messageFields)) {
          if (field.type === "attachments" || field.type === "reactions") continue;
          expect(message[camel(key)]).toEqual(wire[key]);
        }
        // Unknown keys from a newer (or hostile) build are dropped, never passed on.
        expect(Object.keys(message).every((key) => Object.keys(messageFields).map(camel).includes(key))).toBe(true);
      }),
      { numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(500);
  });

  it("passes a message and its notification by the compiled check exactly when zod's schema accepts them", () => {
    const isWireMessage = compileCheck(wireMessageSchema, { hotAfter: 0 });
    const isValidNotification = compileCheck(wireValidMessageNotificationSchema, { hotAfter: 0 });
    let accepted = 0;
    fc.assert(
      fc.property(seededMutation, fc.oneof(fc.constant<unknown>(1), garbage), ([seed, mutations], subscription) => {
        const wire = JSON.parse(JSON.stringify(applyMutations(seed, mutations))) as unknown;
        const accepts = wireMessageSchema.safeParse(wire).success;
        expect(isWireMessage(wire)).toBe(accepts);
        const params = JSON.parse(JSON.stringify({ subscription, message: wire })) as unknown;
        expect(isValidNotification(params)).toBe(wireValidMessageNotificationSchema.safeParse(params).success);
        if (accepts) accepted += 1;
      }),
      { numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it("never throws for arbitrary JSON in place of a message", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const parsed = parseMessage(value);
        expect(parsed.success).toBe(conforms(value, messageFields));
      }),
      { numRuns: 500 },
    );
  });
});

// A stand-in for `imsg rpc` that answers watch.subscribe, then prints a file of lines verbatim, then a last marker.
const replayChild = `
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
const lines = readFileSync(process.argv[2], "utf8");
createInterface({ input: process.stdin }).on("line", (text) => {
  const request = JSON.parse(text);
  const result = request.method === "watch.subscribe" ? { subscription: 1 } : { chats: [] };
  process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: request.id, result }) + "\\n");
  if (request.method === "watch.subscribe") process.stdout.write(lines);
});
`;

/** What a line of the stream should become: the message a client must deliver, or undefined for a skip. */
function expectedFrom(line: string, maxLineBytes: number): Message | undefined {
  if (Buffer.byteLength(line) > maxLineBytes) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.method !== "message" || !isObject(value.params)) return undefined;
  if (value.params.subscription !== 1) return undefined;
  const parsed = parseMessage(value.params.message);
  return parsed.success ? parsed.value : undefined;
}

/** Damage a notification line the way a crashing or buggy writer would. */
const lineDamage = fc.oneof(
  fc.nat().map((at) => (line: string) => line.slice(0, at % line.length)),
  fc
    .tuple(fc.nat(), fc.string({ unit: "binary", minLength: 1, maxLength: 4 }))
    .filter(([, text]) => !/[\r\n]/.test(text))
    .map(
      ([at, text]) =>
        (line: string) =>
          `${line.slice(0, at % line.length)}${text}${line.slice(at % line.length)}`,
    ),
  // Duplicated keys: JSON.parse keeps the last one, so garbage placed last wins and garbage placed first loses.
  fc
    .tuple(fc.constantFrom("id", "text", "chat_id", "attachments", "is_from_me"), garbage, fc.boolean())
    .map(([key, value, last]) => (line: string) => {
      const duplicate = `${JSON.stringify(key)}:${JSON.stringify(value) ?? "null"}`;
      return last ? line.replace(/}}}$/, `,${duplicate}}}}`) : line.replace('"message":{', `"message":{${duplicate},`);
    }),
  fc.constant(() => "not json at all"),
  fc.constant(() => "[1,2,3]"),
  fc.constant(() => '{"jsonrpc":"2.0","method":"message","params":null}'),
  fc.constant(() => '{"jsonrpc":"2.0","method":"message","params":{"subscription":"1","message":{}}}'),
  fc.constant(() => `{"jsonrpc":"2.0","method":"message","params":{"subscription":1,"message":${"[".repeat(5000)}`),
  fc.constant(() => '{"jsonrpc":"2.0","id":99,"result":{"ok":true}}'),
  fc.constant((line: string) => line.replace('"jsonrpc":"2.0",', `"pad":"${"x".repeat(70_000)}",`)),
);

const streamLine = fc.oneof(
  seededMutation.map(([seed, mutations]) =>
    JSON.stringify({
      jsonrpc: "2.0",
      method: "message",
      params: { subscription: 1, message: applyMutations(seed, mutations) },
    }),
  ),
  fc
    .tuple(fc.constantFrom(...seeds), lineDamage)
    .map(([seed, damage]) =>
      damage(JSON.stringify({ jsonrpc: "2.0", method: "message", params: { subscription: 1, message: seed } })),
    ),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
);

describe("ImsgClient reading a stream of mutated notifications from a real child", () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), "rpc-client-fuzz-"));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("delivers every valid message in order, logs and skips every bad line, and keeps reading", async () => {
    const maxLineBytes = 64 * 1024;
    const bad = fc.sample(streamLine, { numRuns: 250, seed: 9 });
    // A valid sentinel after every line shows the client is still reading after whatever came before.
    // As the child writes them: UTF-8 turns a lone surrogate typed into the raw line into U+FFFD.
    const lines = bad
      .map((line) => Buffer.from(line, "utf8").toString("utf8"))
      .flatMap((line, index) => [line, messageNotificationLine(1, 1_000_000 + index, `sentinel ${index}`)]);
    const expected = lines.map((line) => expectedFrom(line, maxLineBytes)).filter((message) => message !== undefined);
    const skipped = lines.length - expected.length;
    expect(skipped).toBeGreaterThan(100);

    const script = join(directory, "replay-child.mjs");
    const linesFile = join(directory, "lines.jsonl");
    writeFileSync(script, replayChild);
    // Every line ends in \n; none of the generators puts a raw newline inside one.
    writeFileSync(linesFile, lines.map((line) => `${line}\n`).join(""));
    const logger = recordingLogger();
    const client = new ImsgClient({
      transport: new LocalTransport({ cliPath: process.execPath, args: [script, linesFile], maxLineBytes }),
      logger,
    });
    try {
      await client.start();
      const subscription = await client.subscribe();
      const delivered: Message[] = [];
      for await (const message of subscription) {
        delivered.push(message);
        if (delivered.length === expected.length) break;
      }
      expect(delivered).toEqual(expected);
      expect(delivered.filter((message) => message.text.startsWith("sentinel ")).map((message) => message.id)).toEqual(
        bad.map((_line, index) => 1_000_000 + index),
      );
      // Each skipped line left its own log entry (a warning or an error; debug for an unknown method), previewed.
      const skips = () => logger.entries.filter((entry) => /^skipped|discarded a stdout line/.test(entry.message));
      await waitFor(() => skips().length >= skipped, "a log entry per skipped line");
      expect(skips()).toHaveLength(skipped);
      for (const entry of skips()) expect(String(entry.fields.line ?? "").length).toBeLessThan(300);
      expect(client.running).toBe(true);
      expect(await client.chatsList()).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
