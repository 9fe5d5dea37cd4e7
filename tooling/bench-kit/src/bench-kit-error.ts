const errorMarker = Symbol.for("imessage-channel.error");

/** Every failure this package reports on purpose; callers branch on `code`. */
export type BenchKitErrorCode = "FIGURE_INVALID" | "PACKAGE_UNKNOWN";

/** The base error of `@imessage-channel/bench-kit`: a string `code` and a one-line message that says how to fix it. */
export class BenchKitError extends Error {
  readonly code: BenchKitErrorCode;
  readonly [errorMarker] = true;

  constructor(code: BenchKitErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BenchKitError";
    this.code = code;
  }

  /** True for any BenchKitError, also one thrown by another copy of this package. */
  static isInstance(value: unknown): value is BenchKitError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[errorMarker] === true &&
      (value as { name?: unknown }).name === "BenchKitError"
    );
  }
}
