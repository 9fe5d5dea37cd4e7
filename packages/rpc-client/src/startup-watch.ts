import type { Logger } from "@imessage-channel/kit";
import type { TransportExit } from "@imessage-channel/transport";
import { type ImsgRpcError, ImsgStartupError, isPermissionText } from "./errors.ts";
import { linePreview } from "./logger.ts";

export interface StartupWatchOptions {
  logger: Logger;
  /** How long text lines before the first answer are gathered before they count as a startup error. */
  bannerGraceMs: number;
  /** Called when the grace period after the first text line ran out: the client should fail with `bannerFailure()`. */
  onBannerTimeout: () => void;
  /** Called once per client, with the first startup error reported. */
  onStartupFailed: (error: ImsgStartupError) => void;
}

/**
 * Tells an imsg that cannot serve from one that merely printed noise (docs/imsg-protocol.md#startup-failure): the
 * Full Disk Access answer of 0.8.2+, the text banner older builds print on stdout before exiting 1, and an exit
 * before the first answer.
 */
export class StartupWatch {
  readonly #logger: Logger;
  readonly #bannerGraceMs: number;
  readonly #onBannerTimeout: () => void;
  readonly #onStartupFailed: (error: ImsgStartupError) => void;
  #answered = false;
  #bannerLines: string[] = [];
  #bannerTimer: NodeJS.Timeout | undefined;
  #reported = false;

  constructor(options: StartupWatchOptions) {
    this.#logger = options.logger;
    this.#bannerGraceMs = options.bannerGraceMs;
    this.#onBannerTimeout = options.onBannerTimeout;
    this.#onStartupFailed = options.onStartupFailed;
  }

  /** A line that is not JSON: noise after the first answer, a possible startup banner before it. */
  text(line: string): void {
    if (this.#answered) {
      this.#logger.warn({ line: linePreview(line) }, "skipped a line from imsg that is not JSON");
      return;
    }
    // Builds before 0.8.2 print a multi-line permission banner as text, then exit 1: gather it briefly so the error
    // carries the whole text, then fail. A JSON answer in the meantime means it was only noise.
    this.#bannerLines.push(line);
    this.#bannerTimer ??= setTimeout(this.#onBannerTimeout, this.#bannerGraceMs);
  }

  /** A response line arrived; `ofARequest` when it answered one of ours (in time or late). */
  response(ofARequest: boolean): void {
    this.#settleBanner();
    if (ofARequest) this.#answered = true;
  }

  /** The startup error the gathered text lines make, if any; stops the grace timer. */
  bannerFailure(): ImsgStartupError | undefined {
    clearTimeout(this.#bannerTimer);
    if (this.#bannerLines.length === 0) return undefined;
    const text = this.#bannerLines.join("\n");
    const preview = linePreview(this.#bannerLines.find((candidate) => candidate.trim() !== "") ?? "");
    return new ImsgStartupError(
      isPermissionText(text)
        ? `imsg cannot open the Messages database ("${preview}"): grant Full Disk Access to the app that runs imsg, or upgrade imsg to 0.9.0`
        : `imsg printed text instead of JSON-RPC before answering ("${preview}"): check that cliPath runs \`imsg rpc\` (0.8.2+ recommended)`,
      text,
    );
  }

  /** A non-zero exit before any answer is a startup error (pre-0.8.2 builds exit 1 without Full Disk Access). */
  exitFailure(exit: TransportExit): ImsgStartupError | undefined {
    if (this.#answered || exit.code === null || exit.code === 0 || exit.signal !== null) return undefined;
    return new ImsgStartupError(
      `${exit.reason} before answering any request: run \`imsg rpc\` by hand to see why (pre-0.8.2 builds exit when they lack Full Disk Access)`,
      exit.reason,
    );
  }

  /** Reports `error` through `onStartupFailed`, the first time only. */
  report(error: ImsgStartupError): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#onStartupFailed(error);
  }

  #settleBanner(): void {
    if (this.#bannerLines.length === 0) return;
    clearTimeout(this.#bannerTimer);
    for (const line of this.#bannerLines) {
      this.#logger.warn({ line: linePreview(line) }, "skipped a line from imsg that is not JSON");
    }
    this.#bannerLines = [];
  }
}

/**
 * imsg 0.8.2+ answers every request with -32603 and the permission banner as `data` when it cannot open the
 * database: that answer is a startup error, not a failed call.
 */
export function startupErrorOfAnswer(error: ImsgRpcError): ImsgStartupError | undefined {
  const { data } = error;
  if (error.code !== -32603 || typeof data !== "string" || !isPermissionText(data)) return undefined;
  return new ImsgStartupError(
    `imsg cannot open the Messages database (${firstLineOf(data)}): grant Full Disk Access to the app that runs imsg (System Settings → Privacy & Security), or fix --db`,
    data,
  );
}

function firstLineOf(text: string): string {
  return linePreview(text.split("\n", 1)[0] ?? "");
}
