import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { sendJson } from "@imessage-channel/agents/test-support";
import { versionAtLeast } from "@imessage-channel/rpc-client";
import { stateDatabasePath } from "@imessage-channel/state";
import { startTestSshd, type TestSshd } from "@imessage-channel/test-sshd";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

/** The guids a turn carries: every row the coalescer merged into it (one for an uncoalesced row). */
export function turnGuids(turn: Record<string, unknown>): string[] {
  return (turn.coalescedMessageGuids as string[] | undefined) ?? [];
}

// Replies read like a person's, so users can repeat one word for word (an echo check keyed on text would drop it).
const replyPhrases = [
  "Sounds good, see you then!",
  "Ha, fair enough.",
  "Got it, I'll look into it.",
  "Sure, that works for me.",
  "Thanks, talk soon.",
];

/** The agent's reply to a turn: a human-looking sentence that still names the guids it answers. */
export function replyText(guids: readonly string[], sequence: number): string {
  return `${replyPhrases[sequence % replyPhrases.length]} (ack ${guids.join(" ")})`;
}

/** The guids a reply row acknowledges (`… (ack G1 G2)`), or undefined for any other text (e.g. an error reply). */
export function ackedGuids(text: string): string[] | undefined {
  const acked = /\(ack ([^()]*)\)$/.exec(text)?.[1];
  return acked === undefined ? undefined : acked.split(" ").filter(Boolean);
}

/** `shutdown.timeoutSeconds` of the soak's gateway: small, so a bounded shutdown shows within a chaos action. */
export const soakShutdownTimeoutSeconds = 3;

// A soft `ulimit -f` far above any size, so the gateway starts the way `fileSizeLimitBytes` starts it (ignoring
// SIGXFSZ) and the fill-state-dir chaos can lower the limit of the running process.
const noFileSizeLimitBytes = 2 ** 50;

export interface SoakPeople {
  friends: string[];
  stranger: string;
  groups: Array<{ identifier: string; name: string; members: string[] }>;
}

export const soakPeople: SoakPeople = {
  friends: ["+15555550101", "+15555550102", "+15555550103", "friend4@example.com"],
  stranger: "+15555550666",
  groups: [
    { identifier: "chat900000000000000001", name: "Soak one", members: ["+15555550101", "+15555550102"] },
    { identifier: "chat900000000000000002", name: "Soak two", members: ["+15555550103", "friend4@example.com"] },
  ],
};

/**
 * Whether the Mac's private-API bridge is up: imsg 0.15 offers `send.tracked` only then, so `up` sends text
 * tracked and `down` leaves every send to the history lookup. Releases before 0.15 never track (with the bridge up
 * their `send` answers with the row's guid).
 */
export type SoakBridge = "up" | "down";

/**
 * Each release's hardest send path by default: the bridge up where imsg offers `send.tracked` (0.15+), so text is
 * tracked by its own guid; down before, so `send` is answered without a guid (0.9.0) and only the history lookup
 * can settle a lost answer.
 */
export function defaultSoakBridge(imsgVersion: string): SoakBridge {
  return versionAtLeast(imsgVersion, "0.15.0") ? "up" : "down";
}

/**
 * The soak's world: a real sshd on loopback, imsg-sim reached through it as the Mac (behind a wrapper that records
 * the rpc child's pid and takes one-shot fault flags), a webhook agent that acknowledges every guid it is given,
 * and the gateway as a real child process.
 */
export class SoakWorld {
  readonly harness: GatewayHarness;
  readonly sshd: TestSshd;
  /** Whether the gateway runs catchup at start; without it a restart resumes from its saved cursor alone. */
  readonly catchup: boolean;
  /** Delay the agent adds before answering (the "slow agent" chaos). */
  agentDelayMs = 0;
  /** Gateways that exited without being asked to (a crash, e.g. an unhandled rejection). */
  readonly crashes: string[] = [];
  readonly #stopping = new Set<number>();

  private constructor(harness: GatewayHarness, sshd: TestSshd, catchup: boolean) {
    this.harness = harness;
    this.sshd = sshd;
    this.catchup = catchup;
  }

  static async create(
    options: {
      logLevel?: string;
      coalesce?: boolean;
      catchup?: boolean;
      imsgVersion?: string;
      bridge?: SoakBridge;
    } = {},
  ): Promise<SoakWorld> {
    const { logLevel = "info", coalesce = true, catchup = true } = options;
    const bridge =
      options.bridge ?? defaultSoakBridge(options.imsgVersion ?? process.env.IMSG_SIM_VERSION ?? "0.15.10");
    const sshd = await startTestSshd();
    let world: SoakWorld | undefined;
    let answered = 0;
    const harness = await GatewayHarness.create({
      logLevel,
      // The soak counts refused requests as a problem of its verdict rather than failing at dispose.
      allowProtocolErrors: true,
      simArgs: ["--bridge", bridge],
      ...(options.imsgVersion === undefined ? {} : { imsgVersion: options.imsgVersion }),
      agent: async (turn, response) => {
        if (world?.agentDelayMs) await sleep(world.agentDelayMs);
        sendJson(response, 200, { text: replyText(turnGuids(turn), answered++) });
      },
    });
    world = new SoakWorld(harness, sshd, catchup);
    await harness.writeConfig({
      channel: {
        ...harness.sshChannel(sshd),
        dmPolicy: "allowlist",
        allowFrom: soakPeople.friends,
        groupPolicy: "allowlist",
        groupAllowFrom: soakPeople.friends,
        groups: { "*": { requireMention: false } },
        coalesceSameSenderDms: coalesce,
        catchup: { enabled: catchup },
      },
      config: { shutdown: { timeoutSeconds: soakShutdownTimeoutSeconds } },
    });
    return world;
  }

  /** Starts the gateway and watches it: an exit nobody asked for is recorded as a crash. */
  async startGateway(): Promise<void> {
    await this.harness.start([], {}, { fileSizeLimitBytes: noFileSizeLimitBytes });
    const pid = this.harness.pid;
    if (pid === undefined) throw new Error("the gateway exited right after start; see its log");
    void this.harness.exited?.then((exit) => {
      if (!this.#stopping.has(pid)) this.crashes.push(`gateway pid ${pid} exited by itself (${String(exit)})`);
    });
  }

  /** Stops the gateway with `signal`; resolves with its exit code or signal name. */
  async stopGateway(signal: NodeJS.Signals): Promise<number | string | null> {
    const pid = this.harness.pid;
    if (pid !== undefined) this.#stopping.add(pid);
    return this.harness.stop(signal);
  }

  /** The pid of the imsg rpc process on "the Mac", as its wrapper recorded it. */
  imsgPid(): Promise<number | undefined> {
    return this.harness.imsgPid();
  }

  /** Fault flags for the next imsg rpc child only (e.g. a malformed line after its second response). */
  queueFaults(flags: string[]): Promise<void> {
    return this.harness.queueFaults(flags);
  }

  get stateDbPath(): string {
    return stateDatabasePath(this.harness.stateDir);
  }

  /** Guids the journal holds as claimed by `pid`: what a SIGKILL of that gateway left in doubt. */
  claimedBy(pid: number): string[] {
    // A busy timeout: a gateway closing state.db (its last checkpoint) briefly locks out even readers.
    const database = new DatabaseSync(this.stateDbPath, { timeout: 5_000 });
    try {
      const rows = database
        .prepare("SELECT guid FROM inbound_journal WHERE state = 'claimed' AND owner_pid = ?")
        .all(pid) as Array<{ guid: string }>;
      return rows.map((row) => row.guid);
    } finally {
      database.close();
    }
  }

  async dispose(): Promise<void> {
    await this.harness.dispose();
    await this.sshd.kill();
  }
}
