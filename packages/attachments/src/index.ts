export { AttachmentError, type AttachmentErrorCode } from "./attachment-error.ts";
export {
  type AttachmentFetcher,
  type AttachmentFetcherOptions,
  createAttachmentFetcher,
  defaultConcurrency,
  defaultMediaMaxMb,
  defaultRetryDelaysMs,
} from "./attachment-fetcher.ts";
export {
  type AttachmentRoot,
  checkAttachmentPath,
  checkPathAgainstRoots,
  compileAttachmentRoots,
  defaultAttachmentRoots,
  escapeGlob,
  type PathVerdict,
} from "./attachment-roots.ts";
export type { AttachmentSource, SourceFileStat } from "./attachment-source.ts";
export type {
  FetchResult,
  ImsgAttachment,
  SkippedAttachment,
  SkipReason,
  TurnAttachment,
} from "./attachment-types.ts";
export {
  copyFileFromRoots,
  type RootedFileCopy,
  type RootedFileOptions,
  type RootedFileProblem,
  type RootedFileStat,
  statFileInRoots,
} from "./copy-from-roots.ts";
export {
  type AccountFetcherExtras,
  type AttachmentAccountSettings,
  createAccountAttachmentFetcher,
} from "./fetcher-for-account.ts";
export {
  type AttachmentPolicyDecision,
  applyIncludeAttachments,
  isAttachmentOnlyText,
  type MessageWithAttachments,
} from "./include-attachments-policy.ts";
export { createLocalSource } from "./local-source.ts";
export { mediaDirectory, safeFileName } from "./media-store.ts";
export { pathShapeProblem } from "./path-shape.ts";
export { type PathResolution, type Realpath, resolveAttachmentPath } from "./resolve-attachment-path.ts";
export { createSftpSource, type SftpSourceOptions } from "./sftp-source.ts";
