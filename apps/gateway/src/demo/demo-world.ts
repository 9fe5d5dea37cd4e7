import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type InjectedMessage, inject, injectSplitUrl, seed, writeSimWrapper } from "@imessage-channel/imsg-sim";

/** The iPhone user the person at the keyboard plays. */
export const demoUserHandle = "+15555550123";

export interface DemoAgentChoice {
  type: "echo" | "openai" | "webhook";
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  url?: string;
}

export interface SentReply {
  rowid: number;
  text: string;
}

/**
 * A throwaway simulated Mac for the demo: a seeded chat.db, imsg-sim behind a wrapper script (exactly how an
 * operator points `cliPath` at a wrapper), a state dir and a config file, all in one temp folder.
 */
export class DemoWorld {
  readonly dir: string;
  readonly home: string;
  readonly dbPath: string;
  readonly stateDir: string;
  readonly configPath: string;
  #lastSeenRowid = 0;

  private constructor(dir: string) {
    this.dir = dir;
    this.home = join(dir, "home");
    this.dbPath = join(dir, "chat.db");
    this.stateDir = join(dir, "state");
    this.configPath = join(dir, "imessage-channel.json5");
  }

  static async create(options: {
    agent: DemoAgentChoice;
    debounceMs: number;
    textChunkLimit: number;
    /** The imsg release the simulated Mac plays. */
    imsgVersion: string;
  }): Promise<DemoWorld> {
    const world = new DemoWorld(await mkdtemp(join(tmpdir(), "imessage-channel-demo-")));
    await mkdir(world.home, { recursive: true });
    await mkdir(world.stateDir, { recursive: true, mode: 0o700 });
    seed(world.dbPath);
    const wrapper = join(world.dir, "imsg");
    await writeSimWrapper(wrapper, world.dbPath, ["--imsg-version", options.imsgVersion]);
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
          cliPath: wrapper,
          dbPath: world.dbPath,
          coalesceSameSenderDms: true,
          textChunkLimit: options.textChunkLimit,
          chunkMode: "newline",
        },
      },
      messages: { inbound: { byChannel: { imessage: options.debounceMs } } },
      agents: { list: [{ id: "main", default: true, runtime }] },
    };
    await writeFile(world.configPath, `${JSON.stringify(config, null, 2)}\n`);
    world.#lastSeenRowid = world.#maxRowid();
    return world;
  }

  /** The person types a message on their iPhone. */
  say(text: string): InjectedMessage {
    return inject(this.dbPath, { from: demoUserHandle, text, home: this.home });
  }

  /** Apple's split send: the command row, then the URL balloon `gapMs` later. */
  async saySplit(text: string, url: string, gapMs: number): Promise<void> {
    await injectSplitUrl(this.dbPath, { from: demoUserHandle, text, url, gapMs, home: this.home });
  }

  /** Replies the gateway sent since the last call, oldest first. */
  takeReplies(): SentReply[] {
    const database = new DatabaseSync(this.dbPath, { readOnly: true });
    try {
      const rows = database
        .prepare(
          "SELECT ROWID AS rowid, IFNULL(text, '') AS text FROM message WHERE is_from_me = 1 AND ROWID > ? ORDER BY ROWID",
        )
        .all(this.#lastSeenRowid) as unknown as SentReply[];
      const last = rows.at(-1);
      if (last) this.#lastSeenRowid = last.rowid;
      return rows;
    } finally {
      database.close();
    }
  }

  #maxRowid(): number {
    const database = new DatabaseSync(this.dbPath, { readOnly: true });
    try {
      const row = database.prepare("SELECT IFNULL(MAX(ROWID), 0) AS max FROM message").get() as { max: number };
      return row.max;
    } finally {
      database.close();
    }
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
