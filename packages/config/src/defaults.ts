/** Defaults of every channel key, as the reference document and product.md name them. */
export const defaults = {
  transport: "local",
  cliPath: "imsg",
  remoteCliPath: "imsg",
  sshPort: 22,
  knownHostsFile: "~/.ssh/known_hosts",
  keepaliveSec: 15,
  includeAttachments: false,
  attachmentRoots: ["/Users/*/Library/Messages/Attachments"],
  dmPolicy: "pairing",
  groupPolicy: "allowlist",
  mediaMaxMb: 16,
  textChunkLimit: 4000,
  chunkMode: "length",
  action: true,
  sendReadReceipts: true,
  configWrites: true,
  coalesceSameSenderDms: false,
  inboundDebounceMs: 0,
  coalesceDebounceMs: 2500,
  maxInboundAgeMinutes: 120,
  phoneRegion: "US",
  allowSmsSenders: false,
  catchup: {
    enabled: false,
    maxAgeMinutes: 120,
    perRunLimit: 50,
    firstRunLookbackMinutes: 30,
    maxFailureRetries: 10,
  },
  dmScope: "main",
  commandsConfig: false,
  logLevel: "info",
  redactHandles: true,
  defaultAccountId: "default",
  defaultAgentId: "main",
} as const;

/** Ranges that are clamped (with a warning) rather than rejected. */
export const clamps = {
  catchupMaxAgeMinutes: { minimum: 1, maximum: 720 },
  catchupPerRunLimit: { minimum: 1, maximum: 500 },
} as const;
