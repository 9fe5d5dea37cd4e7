import { ChannelError } from "@imessage-channel/kit";

/** Every failure this package reports on purpose; callers branch on `code`. */
export type ConfigErrorCode =
  | "CONFIG_INVALID"
  | "ACCOUNT_UNKNOWN"
  | "CONFIG_PATH_INVALID"
  /** A write that cannot change the file in place without losing its comments; `--force` rewrites it. */
  | "CONFIG_EDIT_UNSAFE";

/**
 * The base error of `@imessage-channel/config`. `problems` holds every one-line problem found
 * (for `CONFIG_INVALID` all of them at once); the CLI prints them and exits 2.
 */
export class ConfigError extends ChannelError<ConfigErrorCode> {
  readonly problems: readonly string[];

  constructor(code: ConfigErrorCode, problems: readonly string[], options?: ErrorOptions) {
    const first = problems[0] ?? code;
    super(code, problems.length > 1 ? `${first} (and ${problems.length - 1} more)` : first, options);
    this.problems = problems;
  }
}
