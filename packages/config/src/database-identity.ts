import type { ResolvedAccount } from "./resolve-account.ts";

/**
 * Which chat.db an account reads. `transport` says where that database is, not how the gateway talks to it: "ssh"
 * when it is on another Mac — the ssh transport, or a local wrapper `cliPath` (a script that runs `ssh … imsg`) with
 * `remoteHost` set — and "local" when it is this machine's. The fields, their values and their order feed catchup's
 * cursor file name (`databaseIdentityHash`), so they must stay as they are for a plain local or ssh account.
 */
export interface DatabaseIdentity {
  transport: "local" | "ssh";
  cliPath: string;
  dbPath?: string;
  remoteHost?: string;
  remoteCliPath: string;
}

/** The default chat.db of imsg, so an unset `dbPath` and the explicit default compare equal. */
const defaultDbPath = "~/Library/Messages/chat.db";

/** The one answer to "which database does this account read" (the same-database checks and the cursor keys). */
export function databaseIdentityOf(account: ResolvedAccount): DatabaseIdentity {
  const remote = account.transport === "ssh" || account.remoteHost !== null;
  return {
    transport: remote ? "ssh" : "local",
    cliPath: account.cliPath,
    dbPath: account.dbPath ?? undefined,
    remoteHost: account.remoteHost ?? undefined,
    remoteCliPath: account.remoteCliPath,
  };
}

/**
 * A string equal for two accounts exactly when they read the same database: the Mac (this one through `cliPath`, or
 * `remoteHost`) and the chat.db path. E.g. `ssh:bot@mac-mini|~/Library/Messages/chat.db`.
 */
export function databaseKey(identity: DatabaseIdentity): string {
  const where = identity.transport === "ssh" ? `ssh:${identity.remoteHost ?? ""}` : `local:${identity.cliPath}`;
  return `${where}|${identity.dbPath ?? defaultDbPath}`;
}
