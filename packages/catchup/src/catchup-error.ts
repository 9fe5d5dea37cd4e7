const errorMarker = Symbol.for("imessage-channel.error");

/** Base error of the catchup package: a string `code` plus a marker that survives duplicate installs. */
export class CatchupError extends Error {
  readonly code: string;
  readonly [errorMarker] = true;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CatchupError";
    this.code = code;
  }

  static isInstance(value: unknown): value is CatchupError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[errorMarker] === true;
  }
}
