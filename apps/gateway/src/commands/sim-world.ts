import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type InjectedMessage, inject, injectSplitUrl, seed, writeSimWrapper } from "@imessage-channel/imsg-sim";
import { normalizeHandle } from "@imessage-channel/policy";

/**
 * A simulated Mac in one folder: imsg-sim's seeded `chat.db`, the `imsg` launcher a config's `cliPath` points at
 * (imsg-sim under the Node that wrote it), the home its attachments resolve under, and the pid of the running
 * `imsg rpc` session. Used by `imessage-channel sim` and the demo.
 */
export class SimWorld {
  readonly dir: string;
  readonly dbPath: string;
  readonly home: string;
  readonly launcherPath: string;
  readonly rpcPidPath: string;
  /** The last ROWID the seed wrote: its from-me rows are example history, not replies. */
  readonly #seedMarkPath: string;

  constructor(dir: string) {
    this.dir = dir;
    this.dbPath = join(dir, "chat.db");
    this.home = join(dir, "home");
    this.launcherPath = join(dir, "imsg");
    this.rpcPidPath = join(dir, "imsg-rpc.pid");
    this.#seedMarkPath = join(dir, "seeded-through-rowid");
  }

  /** True when the folder holds a chat.db (`start` made it). */
  get exists(): boolean {
    return existsSync(this.dbPath);
  }

  /** True while the launcher is in place: a gateway pointed at it can reach the simulated Mac. */
  get started(): boolean {
    return existsSync(this.launcherPath);
  }

  /**
   * Seeds the chat.db unless there is one (or `fresh`), and (re)writes the launcher for `imsgVersion`. Returns
   * whether a new chat.db was seeded.
   */
  async start(options: { imsgVersion: string; fresh?: boolean }): Promise<boolean> {
    await mkdir(this.home, { recursive: true });
    const seeding = options.fresh === true || !this.exists;
    if (seeding) {
      for (const suffix of ["", "-wal", "-shm"]) await rm(`${this.dbPath}${suffix}`, { force: true });
      seed(this.dbPath);
      await writeFile(this.#seedMarkPath, `${this.lastRowid()}\n`);
    }
    await writeSimWrapper(this.launcherPath, this.dbPath, ["--imsg-version", options.imsgVersion], {
      rpcPidFile: this.rpcPidPath,
    });
    return seeding;
  }

  /**
   * Removes the launcher (a gateway's next start of imsg fails until `start`) and ends the running `imsg rpc`
   * session with SIGTERM. Returns its pid when one was running. The chat.db stays.
   */
  async stop(readPid: () => Promise<number | undefined>): Promise<number | undefined> {
    await rm(this.launcherPath, { force: true });
    const pid = await readPid();
    await rm(this.rpcPidPath, { force: true });
    if (pid === undefined) return undefined;
    try {
      process.kill(pid, "SIGTERM");
      return pid;
    } catch {
      return undefined; // it had already exited
    }
  }

  /** A DM from `from` (the other party's iPhone), written as Messages.app writes it. */
  say(from: string, text: string): InjectedMessage {
    return inject(this.dbPath, { from, text, home: this.home });
  }

  /** Apple's split send: the text row, then the URL balloon `gapMs` later. */
  async saySplit(from: string, text: string, url: string, gapMs: number): Promise<void> {
    await injectSplitUrl(this.dbPath, { from, text, url, gapMs, home: this.home });
  }

  /** `from` writes in the group called `name` (created on first use, with `participants`). */
  sayInGroup(name: string, from: string, text: string, participants: readonly string[] = []): InjectedMessage {
    return inject(this.dbPath, {
      from,
      text,
      group: groupIdentifier(name),
      groupName: name,
      participants: [...participants],
      home: this.home,
    });
  }

  /** What was sent from the Mac (is_from_me rows) after `afterRowid`, oldest first, with the chat each went to. */
  sentAfter(afterRowid: number): SentMessage[] {
    const database = new DatabaseSync(this.dbPath, { readOnly: true });
    try {
      return database
        .prepare(
          `SELECT m.ROWID AS rowid, IFNULL(m.text, '') AS text, IFNULL(c.ROWID, 0) AS chatId,
             IFNULL(c.chat_identifier, '') AS chatIdentifier, IFNULL(c.display_name, '') AS chatName,
             IFNULL(c.style, 45) = 43 AS isGroup
           FROM message m LEFT JOIN chat_message_join j ON j.message_id = m.ROWID LEFT JOIN chat c ON c.ROWID = j.chat_id
           WHERE m.is_from_me = 1 AND m.ROWID > ? ORDER BY m.ROWID`,
        )
        .all(afterRowid)
        .map((row) => ({ ...row, isGroup: row.isGroup === 1 })) as unknown as SentMessage[];
    } finally {
      database.close();
    }
  }

  /** The last ROWID of the seeded example history (0 when unknown). */
  seedLastRowid(): number {
    if (!existsSync(this.#seedMarkPath)) return 0;
    const value = Number(readFileSync(this.#seedMarkPath, "utf8").trim());
    return Number.isInteger(value) && value > 0 ? value : 0;
  }

  /** The newest message ROWID (0 for an empty chat.db). */
  lastRowid(): number {
    const database = new DatabaseSync(this.dbPath, { readOnly: true });
    try {
      return (database.prepare("SELECT IFNULL(MAX(ROWID), 0) AS max FROM message").get() as { max: number }).max;
    } finally {
      database.close();
    }
  }
}

export interface SentMessage {
  rowid: number;
  text: string;
  chatId: number;
  /** The handle for a DM, `chat…` for a group. */
  chatIdentifier: string;
  /** A group's display name ("" for DMs). */
  chatName: string;
  isGroup: boolean;
}

/** The same group name always names the same chat: `chat` and 18 digits derived from the name. */
export function groupIdentifier(name: string): string {
  const digest = createHash("sha256").update(name.trim().toLowerCase()).digest();
  return `chat${digest.readBigUInt64BE(0).toString().padStart(20, "0").slice(-18)}`;
}

/** The handle an iPhone user writes from (a phone number or an email address), normalized; else undefined. */
export function senderHandle(value: string): string | undefined {
  const handle = normalizeHandle(value);
  return /^\+\d{6,15}$/.test(handle) || /^[^@\s]+@[^@\s]+$/.test(handle) ? handle : undefined;
}
