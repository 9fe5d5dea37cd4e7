import { statSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import { errorMessage } from "@imessage-channel/kit";
import { openChatDbForWriting } from "./chat-db-schema.ts";
import type { ChatStore } from "./chat-store.ts";
import { isPermissionLikeSqliteError } from "./platform-texts.ts";
import { RpcError } from "./rpc-error.ts";

/** `status.database` of imsg 0.14+: the configured path, whether it opens now, and why not. */
export interface DatabaseStatus {
  path: string;
  ready: boolean;
  error?: string;
}

/** Which file a path names right now; a new inode means the db was replaced or restored. */
function fileIdentity(path: string): string | undefined {
  try {
    const stats = statSync(path);
    return `${stats.dev}:${stats.ino}`;
  } catch {
    return undefined;
  }
}

/** The redacted, actionable `detail` of -32002 (imsg never puts SQLite's raw text or the path in it). */
export function unavailableDetail(error: unknown): string {
  const text = errorMessage(error);
  if (isPermissionLikeSqliteError(text)) {
    return "The Messages database cannot be opened. Grant Full Disk Access to the app that runs imsg, or check that the database exists, then retry.";
  }
  return `The Messages database cannot be read: ${text}`;
}

interface Generation {
  identity: string | undefined;
  store: ChatStore;
}

export interface DatabaseGenerationsOptions {
  path: string;
  open: (path: string) => ChatStore;
  /** The Full Disk Access fault: every open fails as a permission problem. */
  denyAccess: boolean;
}

/**
 * imsg 0.14+'s database lifecycle (docs/imsg-protocol.md, Lazy database): nothing opens at startup, every use retries
 * the open, and an open is reused only while the path names the same file. A replaced file starts a new generation;
 * earlier ones stay open for the subscriptions that captured them and close with the session.
 */
export class DatabaseGenerations {
  readonly path: string;
  readonly #options: DatabaseGenerationsOptions;
  readonly #generations: Generation[] = [];
  #current: Generation | undefined;
  #lastError: string | undefined;
  #writer: { identity: string | undefined; database: DatabaseSync } | undefined;

  constructor(options: DatabaseGenerationsOptions) {
    this.path = options.path;
    this.#options = options;
  }

  /** How many distinct files were opened so far (1 after the first open, 2 after one replacement, …). */
  get count(): number {
    return this.#generations.length;
  }

  /** The store of the current generation, opened or rotated as needed; -32002 while the file cannot be opened. */
  current(): ChatStore {
    const identity = fileIdentity(this.path);
    if (this.#current && identity !== undefined && this.#current.identity === identity) return this.#current.store;
    this.#current = undefined;
    try {
      if (this.#options.denyAccess) {
        throw Object.assign(new Error("unable to open database file"), { errcode: 14 });
      }
      const store = this.#options.open(this.path);
      const generation = { identity: fileIdentity(this.path), store };
      this.#generations.push(generation);
      this.#current = generation;
      this.#lastError = undefined;
      return store;
    } catch (error) {
      this.#lastError = unavailableDetail(error);
      throw RpcError.databaseUnavailable(this.path, this.#lastError);
    }
  }

  /** True when the current file opens (trying it now). */
  ready(): boolean {
    try {
      this.current();
      return true;
    } catch {
      return false;
    }
  }

  status(): DatabaseStatus {
    if (this.ready()) return { path: this.path, ready: true };
    return { path: this.path, ready: false, error: this.#lastError ?? "" };
  }

  /**
   * The simulated Messages.app's writable connection to the file the path names now (it has its own access, so the
   * Full Disk Access fault does not stop it); -32002 when there is no file, since opening would create one.
   */
  writer(): DatabaseSync {
    const identity = fileIdentity(this.path);
    if (identity === undefined) {
      throw RpcError.databaseUnavailable(this.path, unavailableDetail(new Error("unable to open database file")));
    }
    if (this.#writer?.identity !== identity) {
      this.#writer?.database.close();
      this.#writer = { identity, database: openChatDbForWriting(this.path) };
    }
    return this.#writer.database;
  }

  close(): void {
    this.#writer?.database.close();
    for (const generation of this.#generations) generation.store.close();
    this.#generations.length = 0;
    this.#current = undefined;
  }
}
