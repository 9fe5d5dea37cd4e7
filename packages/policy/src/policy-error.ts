const errorMarker = Symbol.for("imessage-channel.error");

/** Every failure this package reports on purpose; callers branch on `code`. */
export type PolicyErrorCode = "TARGET_INVALID";

/** The base error of `@imessage-channel/policy`: a string `code` and a one-line message saying what to do. */
export class PolicyError extends Error {
  readonly code: PolicyErrorCode;
  readonly [errorMarker] = true;

  constructor(code: PolicyErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PolicyError";
    this.code = code;
  }

  /** True for any PolicyError, also one thrown by another copy of this package. */
  static isInstance(value: unknown): value is PolicyError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[errorMarker] === true &&
      (value as { name?: unknown }).name === "PolicyError"
    );
  }
}
