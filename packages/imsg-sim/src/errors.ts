const errorMarker = Symbol.for("imessage-channel.error");

/** Base error of imsg-sim: a string `code` plus a marker that survives duplicate installs. */
export class ImsgSimError extends Error {
  readonly code: string;
  readonly [errorMarker] = true;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ImsgSimError";
    this.code = code;
  }

  static isInstance(value: unknown): value is ImsgSimError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[errorMarker] === true;
  }
}
