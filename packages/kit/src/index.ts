export { ChannelError } from "./channel-error.ts";
export { errorMessage } from "./error-message.ts";
