import { StateError } from "./state-error.ts";

/** What the fence found instead of the caller's token. */
export interface FoundLease {
  token: number;
  holder: string;
  expired: boolean;
}

/**
 * A write was fenced off: the caller's fencing token is no longer the account's current, unexpired one (another
 * gateway took over, or the lease ran out). Nothing of that transaction was committed.
 */
export class LeaseLostError extends StateError {
  readonly accountId: string;
  /** The token the caller wrote under. */
  readonly token: number;
  /** The lease's token now, or undefined when the account has no lease row. */
  readonly currentToken: number | undefined;

  constructor(accountId: string, token: number, found: FoundLease | undefined) {
    super("LEASE_LOST", leaseLostMessage(accountId, token, found));
    this.accountId = accountId;
    this.token = token;
    this.currentToken = found?.token;
  }
}

function leaseLostMessage(accountId: string, token: number, found: FoundLease | undefined): string {
  const fix = "stop this account's sends and acquire the lease again before writing";
  if (found === undefined) {
    return `account "${accountId}": lease lost — fencing token ${token} was written under, but the account has no lease; ${fix}`;
  }
  if (found.token === token) {
    return `account "${accountId}": lease lost — fencing token ${token} (current token ${found.token}) has expired; ${fix}`;
  }
  return `account "${accountId}": lease lost — fencing token ${token} is not the current token ${found.token} (held by ${found.holder}${found.expired ? ", expired" : ""}); ${fix}`;
}
