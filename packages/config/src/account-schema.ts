import { z } from "zod";
import {
  allowlistEntry,
  attachmentRoot,
  groupKey,
  nonEmptyString,
  outboundRoot,
  programPath,
  remoteHost,
} from "./value-schemas.ts";

// `channels.defaults`, `channels.imessage` and `channels.imessage.accounts.<id>`: the keys of one iMessage account.

export const dmPolicies = ["pairing", "allowlist", "open", "disabled"] as const;
export const groupPolicies = ["allowlist", "open", "disabled"] as const;
export const chunkModes = ["length", "newline"] as const;
export const transports = ["local", "ssh"] as const;
export const reactionNotificationModes = ["off", "own", "all"] as const;

export const groupEntry = z.strictObject({
  requireMention: z.boolean().optional(),
  systemPrompt: z.string().optional(),
});

/** How many earlier messages a turn may carry (`history`); 0 turns it off. */
export const historyLimit = z.number().int().min(0).max(500);

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

/** What a sender is told once the operator approved their pairing code (sent by the running gateway). */
const pairing = z.strictObject({
  notifyOnApprove: z.boolean().optional(),
  approvedText: z.string().trim().min(1).max(500).optional(),
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
  /** `pairing.notifyOnApprove` (default true) and `pairing.approvedText`: the "you were approved" message. */
  pairing: pairing.optional(),
};

const accountId = z.string().refine((value) => /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(value), {
  message: "is not an account id (letters, digits, - and _, up to 64)",
});

export const accountSchema = z.strictObject(accountKeysShape);

export const channelSchema = z.strictObject({
  ...accountKeysShape,
  accounts: z.record(accountId, accountSchema).optional(),
});
