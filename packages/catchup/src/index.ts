export { CatchupError } from "./catchup-error.ts";
export {
  type CatchupOptions,
  type CatchupOptionsInput,
  catchupDefaults,
  resolveCatchupOptions,
} from "./catchup-options.ts";
export {
  type CatchupAfterPage,
  type CatchupChat,
  type CatchupImsg,
  type CatchupMessage,
  type CatchupMethod,
  type CatchupSourceChoice,
  chooseCatchupSource,
} from "./catchup-source.ts";
export { cursorFilePath, type DatabaseIdentity, databaseIdentityHash } from "./cursor-file-path.ts";
export {
  type CursorFile,
  type CursorPosition,
  CursorStore,
  type OpenCursorStoreOptions,
} from "./cursor-store.ts";
export { planReplay, type ReplayAction, type ReplayPlan, type ReplayStep } from "./plan-replay.ts";
export type { CatchupCounters, DispatchAttempts } from "./replay-pass.ts";
export { positionAfter, rowTimeMs } from "./row-position.ts";
export { type CatchupPassReport, type RunCatchupOptions, runCatchup } from "./run-catchup.ts";
