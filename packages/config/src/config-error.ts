const errorMarker = Symbol.for("imessage-channel.error");

/** Every failure this package reports on purpose; callers branch on `code`. */
export type ConfigErrorCode = "CONFIG_INVALID" | "ACCOUNT_UNKNOWN" | "CONFIG_PATH_INVALID";

/**
 * The base error of `@imessage-channel/config`. `problems` holds every one-line problem found
 * (for `CONFIG_INVALID` all of them at once); the CLI prints them and exits 2.
 */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly problems: readonly string[];
  readonly [errorMarker] = true;

  constructor(code: ConfigErrorCode, problems: readonly string[], options?: ErrorOptions) {
    const first = problems[0] ?? code;
    super(problems.length > 1 ? `${first} (and ${problems.length - 1} more)` : first, options);
    this.name = "ConfigError";
    this.code = code;
    this.problems = problems;
  }

  /** True for any ConfigError, also one thrown by another copy of this package. */
  static isInstance(value: unknown): value is ConfigError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[errorMarker] === true &&
      (value as { name?: unknown }).name === "ConfigError"
    );
  }
}
