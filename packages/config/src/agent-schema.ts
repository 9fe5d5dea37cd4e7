import { z } from "zod";
import { allowlistEntry, mentionPatterns, nonEmptyString } from "./value-schemas.ts";

// `agents` and `bindings`: who answers, and which chats route to whom.

const agentId = z.string().refine((value) => /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(value), {
  message: "is not an agent id (letters, digits, - and _, up to 64)",
});

const stringMap = z.record(z.string(), z.string());

// fetch refuses a URL with `user:password@` and names the whole URL in its error, which reaches the logs.
const agentUrl = (credentialsGo: string) =>
  z.url({ protocol: /^https?$/ }).refine(
    (value) => {
      const url = URL.parse(value);
      return !url || (!url.username && !url.password);
    },
    { message: `has user:password@ in it, which fetch refuses; put credentials in ${credentialsGo}` },
  );

const runtime = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("echo") }),
  z.strictObject({
    type: z.literal("exec"),
    command: z.array(nonEmptyString).min(1),
    timeoutMs: z.number().int().min(1).optional(),
    cwd: nonEmptyString.optional(),
    env: stringMap.optional(),
  }),
  z.strictObject({
    type: z.literal("webhook"),
    url: agentUrl("headers (authorization)"),
    headers: stringMap.optional(),
    timeoutMs: z.number().int().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal("openai"),
    baseUrl: agentUrl("the environment variable apiKeyEnv names"),
    model: nonEmptyString,
    apiKeyEnv: nonEmptyString.optional(),
    maxHistory: z.number().int().min(0).optional(),
    timeoutMs: z.number().int().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal("acp"),
    acp: z.strictObject({
      agent: nonEmptyString,
      backend: nonEmptyString.optional(),
      mode: z.enum(["persistent", "oneshot"]).optional(),
      cwd: nonEmptyString.optional(),
      /** Overrides the launch command of a named agent (argv, never a shell). */
      command: z.array(nonEmptyString).min(1).optional(),
      env: stringMap.optional(),
      /** Tool kinds the agent may use without asking; everything else is denied. */
      permissions: z.strictObject({ allowKinds: z.array(nonEmptyString).optional() }).optional(),
      timeoutMs: z.number().int().min(1).optional(),
    }),
  }),
]);

export const runtimeTypes = ["echo", "exec", "webhook", "openai", "acp"] as const;

export const agent = z.strictObject({
  id: agentId,
  default: z.boolean().optional(),
  name: z.string().optional(),
  groupChat: z.strictObject({ mentionPatterns: mentionPatterns.optional() }).optional(),
  /** Lets the agent's actions and files go to other chats or handles than the turn's own. */
  allowCrossChat: z.boolean().optional(),
  runtime,
});

export const peerKinds = ["dm", "direct", "group"] as const;

export const binding = z.strictObject({
  type: z.enum(["route", "acp"]).optional(),
  agentId,
  match: z.strictObject({
    channel: z.enum(["imessage"]),
    accountId: z.string().optional(),
    peer: z
      .strictObject({
        kind: z.enum(peerKinds),
        id: allowlistEntry,
      })
      .optional(),
  }),
  acp: z
    .strictObject({
      label: z.string().optional(),
      mode: z.enum(["persistent", "oneshot"]).optional(),
      cwd: nonEmptyString.optional(),
    })
    .optional(),
});

/** How long a turn whose agent is unavailable (5xx, 408, 429, unreachable, timed out) is retried before the error reply. */
export const agentRetry = z.strictObject({
  /** The window, from the turn's first failed attempt; 0 = send the error reply after the agent's own quick retries. */
  maxMinutes: z.number().min(0).max(120).optional(),
  /** Backoff between attempts: starts here, doubles (with jitter) up to `maxDelayMs`. */
  initialDelayMs: z.number().int().min(1).max(600_000).optional(),
  maxDelayMs: z.number().int().min(1).max(600_000).optional(),
});
