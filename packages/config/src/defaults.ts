/**
 * Defaults of every channel key, as the reference document names them (listed in packages/config/README.md, Keys and
 * defaults).
 */
export const defaults = {
  transport: "local",
  cliPath: "imsg",
  remoteCliPath: "imsg",
  sshPort: 22,
  knownHostsFile: "~/.ssh/known_hosts",
  keepaliveSec: 15,
  includeAttachments: false,
  attachmentRoots: ["/Users/*/Library/Messages/Attachments"],
  /** None besides the agent's own staging folder (`<stateDir>/media/outbound/<agentId>/`), which is always allowed. */
  outboundMediaRoots: [],
  allowCrossChat: false,
  dmPolicy: "pairing",
  groupPolicy: "allowlist",
  mediaMaxMb: 16,
  textChunkLimit: 4000,
  chunkMode: "length",
  action: true,
  sendReadReceipts: true,
  errorReply: "Sorry, I couldn't answer that just now. Please try again in a moment.",
  /** `pairing.*`: the sender hears that they were approved, once, from the running gateway. */
  pairing: {
    notifyOnApprove: true,
    approvedText: "You're approved: you can talk to the assistant now. Send /help to see what you can ask it to do.",
  },
  configWrites: true,
  coalesceSameSenderDms: false,
  inboundDebounceMs: 0,
  coalesceDebounceMs: 2500,
  maxInboundAgeMinutes: 120,
  phoneRegion: "US",
  allowSmsSenders: false,
  reactionNotifications: "own",
  /** OpenClaw's group-chat history window; DMs are seeded only when asked for. */
  groupHistoryLimit: 50,
  dmHistoryLimit: 0,
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
  /** `logging.file`, `logging.maxFileMb`, `logging.maxFiles`: `gateway.log` plus two rotated files, 10 MB each. */
  logFile: true,
  logMaxFileMb: 10,
  logMaxFiles: 3,
  defaultAccountId: "default",
  defaultAgentId: "main",
  /** `agents.retry`: an agent that is down is retried this long before the error reply. */
  agentRetry: { maxMinutes: 10, initialDelayMs: 2000, maxDelayMs: 60_000 },
  /** `shutdown.timeoutSeconds`: below launchd's ~20 s and the systemd unit's TimeoutStopSec=30. */
  shutdownTimeoutSeconds: 10,
} as const;

/** Ranges that are clamped (with a warning) rather than rejected. */
export const clamps = {
  catchupMaxAgeMinutes: { minimum: 1, maximum: 720 },
  catchupPerRunLimit: { minimum: 1, maximum: 500 },
  catchupFirstRunLookbackMinutes: { minimum: 1, maximum: 720 },
  catchupMaxFailureRetries: { minimum: 1, maximum: 1000 },
} as const;
