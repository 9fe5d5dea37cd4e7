import { ChannelError } from "@imessage-channel/kit";

/** Every failure this package reports on purpose; callers branch on `code`. */
export type StateErrorCode =
  | "PAIRING_CODE_UNKNOWN"
  | "PAIRING_CODE_EXPIRED"
  | "PAIRING_CODE_ALREADY_APPROVED"
  | "PAIRING_SENDER_NOT_APPROVED"
  | "SHORT_ID_INVALID"
  | "SHORT_ID_UNKNOWN"
  | "SHORT_ID_EXPIRED"
  | "SHORT_ID_OTHER_CHAT"
  | "STATE_SCHEMA_TOO_NEW"
  | "STATE_DB_UNUSABLE"
  | "STATE_DB_NOT_WRITABLE"
  | "OUTBOX_PART_UNKNOWN"
  | "OUTBOX_PART_SETTLED"
  | "LEASE_LOST";

/** The base error of `@imessage-channel/state`: a string `code` and a one-line message saying what to do. */
export class StateError extends ChannelError<StateErrorCode> {
  /** For `STATE_DB_NOT_WRITABLE`: SQLite's words for why (`database is locked`, `database or disk is full`). */
  readonly reason: string | undefined;

  constructor(code: StateErrorCode, message: string, options?: ErrorOptions & { reason?: string }) {
    super(code, message, options);
    this.reason = options?.reason;
  }
}
