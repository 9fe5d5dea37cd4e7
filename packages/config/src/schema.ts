import { errorMessage } from "@imessage-channel/kit";
import { z } from "zod";

// The file is validated as written: no defaults are filled in here, so an account can tell "unset"
// (inherit from the channel) from "set". `resolveAccount` applies defaults and clamps afterwards.
// Custom messages are the tail of a one-line problem: the formatter prefixes "<key path>: <value> ".

export const dmPolicies = ["pairing", "allowlist", "open", "disabled"] as const;
export const groupPolicies = ["allowlist", "open", "disabled"] as const;
export const chunkModes = ["length", "newline"] as const;
export const transports = ["local", "ssh"] as const;
/** `per-peer` is the older name of `per-sender` (OpenClaw's), still accepted. */
export const dmScopes = ["main", "per-sender", "per-peer"] as const;
export const reactionNotificationModes = ["off", "own", "all"] as const;
export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

const nonEmptyString = z.string().min(1);

/** `host` or `user@host`: no spaces and nothing that ssh could read as an option. */
const remoteHostPattern = /^(?:[A-Za-z0-9._][A-Za-z0-9._-]*@)?[A-Za-z0-9_[\]:.][A-Za-z0-9._:[\]-]*$/;

const remoteHost = z.string().refine((value) => remoteHostPattern.test(value), {
  message: "is not host or user@host (no spaces, no ssh options)",
});

/** Allowlist entries: a handle, `chat_id:<number>`, `chat_guid:<guid>`, `chat_identifier:<id>`, or `*`. */
export function allowlistEntryProblem(entry: string): string | undefined {
  const trimmed = entry.trim();
  if (!trimmed) return "is not an allowlist entry; use a handle, chat_id:<n>, chat_guid:<g>, chat_identifier:<i> or *";
  const lowered = trimmed.toLowerCase();
  if (lowered.startsWith("chat_id:") && !/^\d+$/.test(trimmed.slice("chat_id:".length).trim())) {
    return "is not an allowlist entry; chat_id: takes a number, e.g. chat_id:123";
  }
  for (const prefix of ["chat_guid:", "chat_identifier:"]) {
    if (lowered.startsWith(prefix) && !trimmed.slice(prefix.length).trim()) {
      return `is not an allowlist entry; ${prefix} needs a value after the colon`;
    }
  }
  return undefined;
}

const allowlistEntry = z.string().superRefine((value, context) => {
  const problem = allowlistEntryProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

/** `commands.ownerAllowFrom`: a person, never `*` or a chat entry (anyone in that chat would be an owner). */
function ownerEntryProblem(entry: string): string | undefined {
  const problem = allowlistEntryProblem(entry);
  if (problem) return problem;
  const lowered = entry.trim().toLowerCase();
  if (lowered === "*" || /^chat_(id|guid|identifier):/.test(lowered)) {
    return "is not a handle; owners are named by handle only (+15555550123, user@example.com), never * or a chat";
  }
  return undefined;
}

const ownerEntry = z.string().superRefine((value, context) => {
  const problem = ownerEntryProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

/** Mention patterns are regular expressions, compiled case-insensitively. */
export function patternProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, "i");
    return undefined;
  } catch (error) {
    return `is not a valid regular expression (${errorMessage(error).replace(/^Invalid regular expression: \/.*\/[a-z]*: /, "")})`;
  }
}

const mentionPattern = z.string().superRefine((value, context) => {
  const problem = patternProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

const mentionPatterns = z.array(mentionPattern);

/** `groups` keys: `*`, a chat_id, or `chat_id:` / `chat_guid:` / `chat_identifier:` forms. */
export function groupKeyProblem(key: string): string | undefined {
  if (key === "*" || /^\d+$/.test(key)) return undefined;
  if (/^chat_id:\d+$/.test(key) || /^chat_(guid|identifier):.+/.test(key)) return undefined;
  return `is not a group key; use a chat_id such as "8421", "*", or chat_guid:<guid> / chat_identifier:<identifier> (a key that never matches drops the group's messages)`;
}

const groupKey = z.string().superRefine((value, context) => {
  const problem = groupKeyProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

/** `outboundMediaRoots` entries: absolute folders (or `~/…`), never relative or the file system root. */
function outboundRootProblem(root: string): string | undefined {
  const trimmed = root.trim();
  if (!trimmed.startsWith("/") && trimmed !== "~" && !trimmed.startsWith("~/")) {
    return 'is relative; use an absolute folder such as "/srv/agent-files" or "~/agent-files"';
  }
  if (trimmed.split("/").some((segment) => segment === "." || segment === "..")) {
    return 'has a . or .. segment; write the folder as it is, e.g. "/srv/agent-files"';
  }
  if (/^\/+$/.test(trimmed)) return 'is the file system root; name the folder agents write to, e.g. "/srv/agent-files"';
  return undefined;
}

const outboundRoot = z.string().superRefine((value, context) => {
  const problem = outboundRootProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

// `cliPath` is spawned without a shell (and `remoteCliPath` is quoted for the Mac's): these characters say the
// value was written as a shell command, which would only ever fail as "not found". Spaces, ' and () are real paths.
const shellMetacharacters = /[;&|<>$`"\\\u0000-\u001f\u007f]/gu;

/** `cliPath` / `remoteCliPath`: one program path, never a shell command line. */
function programPathProblem(path: string, where: "here" | "mac"): string | undefined {
  const found = [...new Set(path.match(shellMetacharacters) ?? [])];
  if (found.length === 0) return undefined;
  const listed = found.map((character) => JSON.stringify(character)).join(" ");
  return where === "here"
    ? `contains shell metacharacters (${listed}); cliPath is one program run without a shell: the path of imsg or of a wrapper script (spaces need no quoting)`
    : `contains shell metacharacters (${listed}); remoteCliPath is one program on the Mac, quoted for its shell: the path of imsg there (spaces need no quoting)`;
}

const programPath = (where: "here" | "mac") =>
  nonEmptyString.superRefine((value, context) => {
    const problem = programPathProblem(value, where);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

/**
 * `attachmentRoots` (this machine: `/…`, or `~/…` for the gateway user's home) and `remoteAttachmentRoots` (the
 * Mac: `/…`, or `~/…` for the SSH login's home there, which the fetcher asks the Mac for; config cannot expand it).
 */
function attachmentRootProblem(root: string, where: "here" | "mac"): string | undefined {
  if (root === "") return undefined; // the non-empty check says so
  if (!root.startsWith("/") && root !== "~" && !root.startsWith("~/")) {
    return where === "here"
      ? 'is relative; start with / or ~/ (this machine\'s home), e.g. "/Users/*/Library/Messages/Attachments"'
      : 'is relative; remote roots are folders on the Mac: start with / or ~/ (the SSH login\'s home on the Mac), e.g. "/Users/*/Library/Messages/Attachments"';
  }
  if (root.split("/").some((segment) => segment === "." || segment === "..")) {
    return 'has a . or .. segment; write the folder as it is, e.g. "/Users/*/Library/Messages/Attachments"';
  }
  if (/^\/+$/.test(root))
    return 'is the file system root; name the Attachments folder, e.g. "/Users/*/Library/Messages/Attachments"';
  return undefined;
}

const attachmentRoot = (where: "here" | "mac") =>
  nonEmptyString.superRefine((value, context) => {
    const problem = attachmentRootProblem(value, where);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

const groupEntry = z.strictObject({
  requireMention: z.boolean().optional(),
  systemPrompt: z.string().optional(),
});

/** How many earlier messages a turn may carry (`history`); 0 turns it off. */
const historyLimit = z.number().int().min(0).max(500);

const sshOptions = z.strictObject({
  port: z.number().int().min(1).max(65535).optional(),
  identityFile: nonEmptyString.optional(),
  knownHostsFile: nonEmptyString.optional(),
  keepaliveSec: z.number().int().min(0).optional(),
});

export const actionNames = [
  "reactions",
  "edit",
  "unsend",
  "reply",
  "sendWithEffect",
  "sendAttachment",
  "renameGroup",
  "setGroupIcon",
  "addParticipant",
  "removeParticipant",
  "leaveGroup",
] as const;

const actions = z.strictObject(
  Object.fromEntries(actionNames.map((name) => [name, z.boolean().optional()])) as {
    [Name in (typeof actionNames)[number]]: z.ZodOptional<z.ZodBoolean>;
  },
);

// Clamped ranges (maxAgeMinutes and firstRunLookbackMinutes 1..720, perRunLimit 1..500, maxFailureRetries 1..1000)
// are not errors: resolveAccount clamps with a warning.
const catchup = z.strictObject({
  enabled: z.boolean().optional(),
  maxAgeMinutes: z.number().int().optional(),
  perRunLimit: z.number().int().optional(),
  firstRunLookbackMinutes: z.number().int().optional(),
  maxFailureRetries: z.number().int().optional(),
});

/** Every key an account may set; `channels.defaults`, `channels.imessage` and `accounts.<id>` share it. */
export const accountKeysShape = {
  enabled: z.boolean().optional(),
  name: z.string().optional(),
  transport: z.enum(transports).optional(),
  cliPath: programPath("here").optional(),
  remoteCliPath: programPath("mac").optional(),
  dbPath: nonEmptyString.optional(),
  remoteHost: remoteHost.optional(),
  ssh: sshOptions.optional(),
  includeAttachments: z.boolean().optional(),
  attachmentRoots: z.array(attachmentRoot("here")).optional(),
  remoteAttachmentRoots: z.array(attachmentRoot("mac")).optional(),
  /** Folders a reply may attach files from, besides the agent's own staging folder. */
  outboundMediaRoots: z.array(outboundRoot).optional(),
  dmPolicy: z.enum(dmPolicies).optional(),
  allowFrom: z.array(allowlistEntry).optional(),
  groupPolicy: z.enum(groupPolicies).optional(),
  groupAllowFrom: z.array(allowlistEntry).optional(),
  groups: z.record(groupKey, groupEntry).optional(),
  mediaMaxMb: z.number().positive().optional(),
  textChunkLimit: z.number().int().min(1).optional(),
  chunkMode: z.enum(chunkModes).optional(),
  actions: actions.optional(),
  sendReadReceipts: z.boolean().optional(),
  configWrites: z.boolean().optional(),
  coalesceSameSenderDms: z.boolean().optional(),
  catchup: catchup.optional(),
  maxInboundAgeMinutes: z.number().int().min(1).optional(),
  phoneRegion: z
    .string()
    .refine((value) => /^[A-Z]{2}$/.test(value), { message: "is not a two-letter region code such as US or GB" })
    .optional(),
  allowSmsSenders: z.boolean().optional(),
  /** Group messages skipped by mention gating kept per chat for the next turn (default: messages.groupChat.historyLimit, else 50). */
  historyLimit: historyLimit.optional(),
  /** A new DM session is seeded with this many recent messages of its chat (default 0: off). */
  dmHistoryLimit: historyLimit.optional(),
  /** Per-sender DM settings, keyed by handle. */
  dms: z.record(nonEmptyString, z.strictObject({ historyLimit: historyLimit.optional() })).optional(),
  /** Tapbacks as agent-visible events: `own` (on the agent's own messages, default), `all`, or `off`. */
  reactionNotifications: z.enum(reactionNotificationModes).optional(),
  /** Sent when a turn fails, instead of silence; "" stays silent. */
  errorReply: z.string().max(500).optional(),
};

const accountId = z.string().refine((value) => /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(value), {
  message: "is not an account id (letters, digits, - and _, up to 64)",
});

export const accountSchema = z.strictObject(accountKeysShape);

const channelSchema = z.strictObject({
  ...accountKeysShape,
  accounts: z.record(accountId, accountSchema).optional(),
});

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

const agent = z.strictObject({
  id: agentId,
  default: z.boolean().optional(),
  name: z.string().optional(),
  groupChat: z.strictObject({ mentionPatterns: mentionPatterns.optional() }).optional(),
  /** Lets the agent's actions and files go to other chats or handles than the turn's own. */
  allowCrossChat: z.boolean().optional(),
  runtime,
});

export const peerKinds = ["dm", "direct", "group"] as const;

const binding = z.strictObject({
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
const agentRetry = z.strictObject({
  /** The window, from the turn's first failed attempt; 0 = send the error reply after the agent's own quick retries. */
  maxMinutes: z.number().min(0).max(120).optional(),
  /** Backoff between attempts: starts here, doubles (with jitter) up to `maxDelayMs`. */
  initialDelayMs: z.number().int().min(1).max(600_000).optional(),
  maxDelayMs: z.number().int().min(1).max(600_000).optional(),
});

/** The service managers kill a gateway that has not exited this long after SIGTERM: launchd ~20 s, systemd 30 s. */
export const shutdownTimeoutMaximumSeconds = 15;

const shutdownTimeoutSeconds = z.number().superRefine((value, context) => {
  if (value < 1 || value > shutdownTimeoutMaximumSeconds) {
    context.addIssue({
      code: "custom",
      message: `is not between 1 and ${shutdownTimeoutMaximumSeconds}; launchd kills the gateway about 20 s after SIGTERM and the systemd unit after 30 s, so shutdown must finish well before`,
    });
  }
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  channels: z
    .strictObject({
      defaults: accountSchema.optional(),
      imessage: channelSchema.optional(),
    })
    .optional(),
  agents: z.strictObject({ list: z.array(agent).optional(), retry: agentRetry.optional() }).optional(),
  bindings: z.array(binding).optional(),
  messages: z
    .strictObject({
      groupChat: z
        .strictObject({ mentionPatterns: mentionPatterns.optional(), historyLimit: historyLimit.optional() })
        .optional(),
      inbound: z
        .strictObject({
          byChannel: z.strictObject({ imessage: z.number().int().min(0).max(60_000).optional() }).optional(),
        })
        .optional(),
    })
    .optional(),
  session: z.strictObject({ dmScope: z.enum(dmScopes).optional() }).optional(),
  commands: z
    .strictObject({
      config: z.boolean().optional(),
      /** Handles that may use owner-only chat commands (`/config set|unset`); empty = nobody. */
      ownerAllowFrom: z.array(ownerEntry).optional(),
    })
    .optional(),
  logging: z
    .strictObject({
      level: z.enum(logLevels).optional(),
      redactHandles: z.boolean().optional(),
    })
    .optional(),
  /** SIGTERM/SIGINT: turns still running after `timeoutSeconds` (minus closing time) are cancelled and replayed. */
  shutdown: z.strictObject({ timeoutSeconds: shutdownTimeoutSeconds.optional() }).optional(),
});

/** The config file as written (validated, nothing defaulted). */
export type Config = z.output<typeof configSchema>;
/** The keys an account may set, as written. */
export type AccountKeys = z.output<typeof accountSchema>;
export type AgentConfig = NonNullable<NonNullable<Config["agents"]>["list"]>[number];
export type AgentRuntimeConfig = AgentConfig["runtime"];
export type BindingConfig = NonNullable<Config["bindings"]>[number];
export type GroupConfig = z.output<typeof groupEntry>;
export type DmPolicy = (typeof dmPolicies)[number];
export type GroupPolicy = (typeof groupPolicies)[number];
export type ChunkMode = (typeof chunkModes)[number];
export type TransportKind = (typeof transports)[number];
export type DmScope = (typeof dmScopes)[number];
export type ReactionNotifications = (typeof reactionNotificationModes)[number];
export type ActionName = (typeof actionNames)[number];
