export { type LoopbackServer, type RecordedRequest, sendJson, startLoopbackServer } from "./http-server.ts";
export { sampleTurn } from "./turns.ts";
export { waitFor } from "./wait-for.ts";
