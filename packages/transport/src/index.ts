export { defaultMaxLineBytes, LineFramer, type LineFramerOptions } from "./line-framer.ts";
export { LocalTransport, type LocalTransportOptions } from "./local-transport.ts";
export type { Transport, TransportEvents, TransportExit } from "./transport.ts";
export { TransportError, type TransportErrorCode } from "./transport-error.ts";
