const errorMarker = Symbol.for("imessage-channel.error");

/** Every failure this package reports on purpose; callers branch on `code`. */
export type CoalescerErrorCode = "WINDOW_INVALID";

/** The base error of `@imessage-channel/coalescer`: a string `code` and a one-line message saying what to do. */
export class CoalescerError extends Error {
  readonly code: CoalescerErrorCode;
  readonly [errorMarker] = true;

  constructor(code: CoalescerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CoalescerError";
    this.code = code;
  }

  /** True for any CoalescerError, also one thrown by another copy of this package. */
  static isInstance(value: unknown): value is CoalescerError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[errorMarker] === true &&
      (value as { name?: unknown }).name === "CoalescerError"
    );
  }
}
