import { createHash } from "node:crypto";
import { join } from "node:path";

/** What identifies the chat.db an account reads: another Mac or another database means another cursor. */
export interface DatabaseIdentity {
  transport?: string;
  cliPath?: string;
  dbPath?: string;
  remoteHost?: string;
  remoteCliPath?: string;
}

/** 16 hex characters of the SHA-256 of the identity, with keys in a fixed order and absent keys as null. */
export function databaseIdentityHash(identity: DatabaseIdentity): string {
  const canonical = JSON.stringify([
    identity.transport ?? null,
    identity.cliPath ?? null,
    identity.dbPath ?? null,
    identity.remoteHost ?? null,
    identity.remoteCliPath ?? null,
  ]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/** Account ids become part of a file name: anything outside `[A-Za-z0-9._-]` is replaced by `_`. */
function fileSafe(accountId: string): string {
  const safe = accountId.replace(/[^A-Za-z0-9._-]/g, "_");
  return safe === "" || safe === "." || safe === ".." ? "_" : safe;
}

/** `<stateDir>/imessage/catchup/<account>__<hash>.json` */
export function cursorFilePath(stateDir: string, accountId: string, identity: DatabaseIdentity): string {
  return join(stateDir, "imessage", "catchup", `${fileSafe(accountId)}__${databaseIdentityHash(identity)}.json`);
}
