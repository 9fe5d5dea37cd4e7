import { z } from "zod";
import {
  accountSchema,
  type actionNames,
  channelSchema,
  type chunkModes,
  type dmPolicies,
  type groupEntry,
  type groupPolicies,
  historyLimit,
  type reactionNotificationModes,
  type transports,
} from "./account-schema.ts";
import { agent, agentRetry, binding } from "./agent-schema.ts";
import { mentionPatterns, ownerEntry } from "./value-schemas.ts";

// The file is validated as written: no defaults are filled in here, so an account can tell "unset"
// (inherit from the channel) from "set". `resolveAccount` applies defaults and clamps afterwards.
// Custom messages are the tail of a one-line problem: the formatter prefixes "<key path>: <value> ".

export {
  accountKeysShape,
  accountSchema,
  actionNames,
  chunkModes,
  dmPolicies,
  groupPolicies,
  reactionNotificationModes,
  transports,
} from "./account-schema.ts";
export { peerKinds, runtimeTypes } from "./agent-schema.ts";
export { allowlistEntryProblem, groupKeyProblem, patternProblem } from "./value-schemas.ts";

/** `per-peer` is the older name of `per-sender` (OpenClaw's), still accepted. */
export const dmScopes = ["main", "per-sender", "per-peer"] as const;
export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
/** `pretty`: one human line per event (what a terminal gets by default); `json`: one pino JSON object per line. */
export const logFormats = ["pretty", "json"] as const;

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

const metricsPort = z.number().superRefine((value, context) => {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    context.addIssue({
      code: "custom",
      message: "is not a port number (1-65535); remove metrics.port to serve no metrics",
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
      format: z.enum(logFormats).optional(),
      /** The rotating JSON log file in `<stateDir>/logs/` that `imessage-channel logs` reads (default on). */
      file: z.boolean().optional(),
      maxFileMb: z.number().min(1).max(1024).optional(),
      maxFiles: z.number().int().min(1).max(20).optional(),
    })
    .optional(),
  /** SIGTERM/SIGINT: turns still running after `timeoutSeconds` (minus closing time) are cancelled and replayed. */
  shutdown: z.strictObject({ timeoutSeconds: shutdownTimeoutSeconds.optional() }).optional(),
  /** `/healthz` and `/metrics` on 127.0.0.1:`port` (`gateway --metrics-port` wins), so a service needs no flag. */
  metrics: z.strictObject({ port: metricsPort.optional() }).optional(),
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
export type LogFormat = (typeof logFormats)[number];
export type ReactionNotifications = (typeof reactionNotificationModes)[number];
export type ActionName = (typeof actionNames)[number];
