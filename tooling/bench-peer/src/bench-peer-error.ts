const errorMarker = Symbol.for("imessage-channel.error");

/** Every failure of `pnpm bench:peer` that is reported on purpose. */
export type BenchPeerErrorCode =
  | "USAGE"
  | "INSTALL_FAILED"
  | "REFERENCE_INCOMPLETE"
  | "EXPORT_NOT_FOUND"
  | "MEASUREMENT_FAILED";

/** The base error of `@imessage-channel/bench-peer`: a string `code` and a one-line message that says how to fix it. */
export class BenchPeerError extends Error {
  readonly code: BenchPeerErrorCode;
  readonly [errorMarker] = true;

  constructor(code: BenchPeerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BenchPeerError";
    this.code = code;
  }

  /** True for any BenchPeerError, also one thrown by another copy of this package. */
  static isInstance(value: unknown): value is BenchPeerError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[errorMarker] === true &&
      (value as { name?: unknown }).name === "BenchPeerError"
    );
  }
}
