const errorMarker = Symbol.for("imessage-channel.error");

/** Every failure this package reports on purpose; callers branch on `code`. */
export type StateErrorCode =
  | "PAIRING_CODE_UNKNOWN"
  | "PAIRING_CODE_EXPIRED"
  | "SHORT_ID_INVALID"
  | "SHORT_ID_UNKNOWN"
  | "SHORT_ID_EXPIRED"
  | "SHORT_ID_OTHER_CHAT"
  | "STATE_SCHEMA_TOO_NEW"
  | "STATE_DB_UNUSABLE"
  | "STATE_DB_NOT_WRITABLE";

/** The base error of `@imessage-channel/state`: a string `code` and a one-line message saying what to do. */
export class StateError extends Error {
  readonly code: StateErrorCode;
  /** For `STATE_DB_NOT_WRITABLE`: SQLite's words for why (`database is locked`, `database or disk is full`). */
  readonly reason: string | undefined;
  readonly [errorMarker] = true;

  constructor(code: StateErrorCode, message: string, options?: ErrorOptions & { reason?: string }) {
    super(message, options);
    this.name = "StateError";
    this.code = code;
    this.reason = options?.reason;
  }

  /** True for any StateError, also one thrown by another copy of this package. */
  static isInstance(value: unknown): value is StateError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[errorMarker] === true &&
      (value as { name?: unknown }).name === "StateError"
    );
  }
}
