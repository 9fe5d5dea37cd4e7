import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InjectedMessage } from "@imessage-channel/imsg-sim";
import { type SentMessage, SimWorld } from "../commands/sim-world.ts";

/** The iPhone user the person at the keyboard plays. */
export const demoUserHandle = "+15555550123";
/** The other member of the demo's groups, and the usual second sender of `/as`. */
export const demoFriendHandle = "+15555550124";
/** What mentions the agent in a group (`messages.groupChat.mentionPatterns`). */
export const demoMentionPattern = "@?assistant\\b";

export interface DemoAgentChoice {
  type: "echo" | "openai" | "webhook";
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  url?: string;
}

export type SentReply = SentMessage;

/**
 * A throwaway simulated Mac for the demo, in one temp folder: a sim world (seeded chat.db, the imsg launcher an
 * operator points `cliPath` at), and a state dir holding the demo's config as `config.json5`, so
 * `IMESSAGE_CHANNEL_STATE_DIR=<stateDir> imessage-channel status` in another terminal finds both.
 */
export class DemoWorld {
  readonly dir: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly sim: SimWorld;
  #lastSeenRowid = 0;

  private constructor(dir: string) {
    this.dir = dir;
    this.sim = new SimWorld(join(dir, "mac"));
    this.stateDir = join(dir, "state");
    this.configPath = join(this.stateDir, "config.json5");
  }

  get dbPath(): string {
    return this.sim.dbPath;
  }

  static async create(options: {
    agent: DemoAgentChoice;
    debounceMs: number;
    textChunkLimit: number;
    /** The imsg release the simulated Mac plays. */
    imsgVersion: string;
  }): Promise<DemoWorld> {
    const world = new DemoWorld(await mkdtemp(join(tmpdir(), "imessage-channel-demo-")));
    await mkdir(world.stateDir, { recursive: true, mode: 0o700 });
    await world.sim.start({ imsgVersion: options.imsgVersion });
    const runtime =
      options.agent.type === "openai"
        ? {
            type: "openai",
            baseUrl: options.agent.baseUrl,
            model: options.agent.model,
            apiKeyEnv: options.agent.apiKeyEnv,
          }
        : options.agent.type === "webhook"
          ? { type: "webhook", url: options.agent.url }
          : { type: "echo" };
    const config = {
      channels: {
        imessage: {
          cliPath: world.sim.launcherPath,
          dbPath: world.sim.dbPath,
          coalesceSameSenderDms: true,
          textChunkLimit: options.textChunkLimit,
          chunkMode: "newline",
          // Groups as the product gates them: you may talk there, others may not, and only a mention is answered.
          groupPolicy: "allowlist",
          groupAllowFrom: [demoUserHandle],
          groups: { "*": { requireMention: true } },
        },
      },
      messages: {
        inbound: { byChannel: { imessage: options.debounceMs } },
        groupChat: { mentionPatterns: [demoMentionPattern] },
      },
      agents: { list: [{ id: "main", default: true, runtime }] },
    };
    await writeFile(world.configPath, `${JSON.stringify(config, null, 2)}\n`);
    world.#lastSeenRowid = world.sim.lastRowid();
    return world;
  }

  /** Someone (the person at the keyboard unless `from`) types a DM on their iPhone. */
  say(text: string, from: string = demoUserHandle): InjectedMessage {
    return this.sim.say(from, text);
  }

  /** A message in the group called `name`, created with you and the friend as members. */
  sayInGroup(name: string, text: string, from: string = demoUserHandle): InjectedMessage {
    return this.sim.sayInGroup(name, from, text, [demoUserHandle, demoFriendHandle]);
  }

  /** Apple's split send: the command row, then the URL balloon `gapMs` later. */
  async saySplit(text: string, url: string, gapMs: number): Promise<void> {
    await this.sim.saySplit(demoUserHandle, text, url, gapMs);
  }

  /** Replies the gateway sent since the last call, oldest first. */
  takeReplies(): SentReply[] {
    const rows = this.sim.sentAfter(this.#lastSeenRowid);
    const last = rows.at(-1);
    if (last) this.#lastSeenRowid = last.rowid;
    return rows;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
