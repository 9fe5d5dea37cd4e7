import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { listAccounts } from "./resolve-account.ts";
import { validateConfig } from "./validate-config.ts";

const validConfig = {
  channels: {
    defaults: { mediaMaxMb: 8 },
    imessage: {
      dmPolicy: "allowlist",
      allowFrom: ["+15555550123", "chat_id:12"],
      groups: { "*": { systemPrompt: "hi" }, "8421": { requireMention: true } },
      catchup: { enabled: true, perRunLimit: 20 },
      ssh: { port: 22 },
      actions: { edit: false },
      accounts: { main: {}, bot: { dbPath: "/Users/bot/Library/Messages/chat.db", dmPolicy: "pairing" } },
    },
  },
  agents: { list: [{ id: "main", runtime: { type: "echo" }, groupChat: { mentionPatterns: ["@bot"] } }] },
  bindings: [
    { agentId: "main", match: { channel: "imessage", accountId: "bot", peer: { kind: "group", id: "chat_id:1" } } },
  ],
  messages: { groupChat: { mentionPatterns: ["bot"] }, inbound: { byChannel: { imessage: 2500 } } },
  session: { dmScope: "per-peer" },
  commands: { config: true },
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside the config, so a mutation can hit any depth. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [prefix];
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, child]) => paths(child, [...prefix, key]))];
}
const allPaths = paths(validConfig as Json).filter((path) => path.length > 0);

function mutate(path: (string | number)[], replacement: unknown, mode: "replace" | "delete" | "rename"): unknown {
  const copy = structuredClone(validConfig) as Record<string | number, unknown>;
  let parent = copy;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (mode === "delete") delete parent[last];
  else if (mode === "rename") {
    parent[`${String(last)}x`] = parent[last];
    delete parent[last];
  } else parent[last] = replacement;
  return copy;
}

describe("validateConfig under mutation", () => {
  it("accepts the unmutated config", () => {
    expect(validateConfig(validConfig).errors).toEqual([]);
  });

  it("always answers with errors or a config, never a throw, for mutated valid configs", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...allPaths),
        fc.oneof(fc.jsonValue(), fc.string(), fc.integer(), fc.constant(undefined), fc.constant("*")),
        fc.constantFrom("replace" as const, "delete" as const, "rename" as const),
        (path, replacement, mode) => {
          const result = validateConfig(mutate(path, replacement, mode));
          expect(result.config === undefined).toBe(result.errors.length > 0);
          for (const line of result.errors) {
            expect(line).not.toContain("\n");
            expect(line).toMatch(/^\S.*: \S/);
          }
          if (result.config) expect(() => listAccounts(result.config!)).not.toThrow();
        },
      ),
      { numRuns: 400 },
    );
  });

  it("never throws for arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = validateConfig(value);
        expect(Array.isArray(result.errors)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
