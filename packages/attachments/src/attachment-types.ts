/**
 * One attachment as imsg reports it (docs/imsg-protocol.md#attachment), in camelCase as the rpc-client hands it over.
 * Paths are those of the machine imsg runs on: Mac-side when the Mac is remote.
 */
export interface ImsgAttachment {
  filename?: string;
  transferName?: string;
  uti?: string;
  mimeType?: string;
  totalBytes?: number;
  isSticker?: boolean;
  /** `filename` with `~` expanded against the Mac user's home; `""` when imsg had no filename. */
  originalPath: string;
  /** True unless `originalPath` existed as a regular file when imsg read the row. */
  missing?: boolean;
  convertedPath?: string;
  convertedMimeType?: string;
}

/** One attachment of the Turn JSON, as the agent sees it: a gateway-local file. */
export interface TurnAttachment {
  path: string;
  mimeType?: string;
  filename?: string;
  byteSize?: number;
}

/** Why an attachment did not reach the agent. */
export type SkipReason =
  | "no-path"
  | "path-rejected"
  | "missing"
  | "incomplete"
  | "too-large"
  | "not-a-file"
  | "read-failed"
  | "remote-unavailable";

/** An attachment that was left out of the turn, with a reason and a one-line detail for the log. */
export interface SkippedAttachment {
  /** The path imsg reported (Mac-side for remote fetches); `""` when there was none. */
  sourcePath: string;
  filename?: string;
  reason: SkipReason;
  detail: string;
  /** The error code behind `remote-unavailable` / `read-failed` (e.g. `HOST_KEY_UNKNOWN`, `EACCES`). */
  errorCode?: string;
}

/** What a fetch produced for one message: the attachments the agent gets and those it does not. */
export interface FetchResult {
  attachments: TurnAttachment[];
  skipped: SkippedAttachment[];
}
