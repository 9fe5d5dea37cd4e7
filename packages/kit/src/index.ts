export { ChannelError } from "./channel-error.ts";
export { errorMessage } from "./error-message.ts";
export { type WriteFileAtomicallyOptions, writeFileAtomically } from "./write-file-atomically.ts";
