import { setTimeout as sleep } from "node:timers/promises";
import { errorMessage } from "@imessage-channel/kit";
import { bridgeReadyLockExists } from "./bridge-call.ts";
import { compiledRpcMethods } from "./compiled-methods.ts";
import { type DeliveryData, deliveryData, deliveryFailure, mutationLaneBlocked } from "./delivery-outcome.ts";
import type { MutationFaults } from "./mutation-faults.ts";
import type { ParsedRequest } from "./request-parser.ts";
import { releaseAfterResponse } from "./response-gate.ts";
import { databaseMethods, mutationOperation, rpcLane } from "./rpc-descriptors.ts";
import { RpcError } from "./rpc-error.ts";
import { type Handler, rpcHandlers } from "./rpc-handlers.ts";
import type { Params } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";
import { checkParamsShape, checkStrictParams } from "./strict-params.ts";

export type RpcAnswer = Record<string, unknown>;

/** What one running `imsg-sim rpc` shares between requests besides the session: the mutation faults. */
export interface DispatchState {
  mutationFaults: MutationFaults;
  mutationDelayMs: number;
}

export function errorAnswer(id: unknown, error: RpcError): RpcAnswer {
  return { id: id ?? null, error: { code: error.rpcCode, message: error.message, data: error.data } };
}

function asRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  return RpcError.internal(errorMessage(error));
}

/** The handler of a method this run offers, or undefined (-32601). */
export function offeredHandler(method: string, session: SimSession): Handler | undefined {
  const { personality, platform } = session.settings;
  const handler = rpcHandlers[method];
  // An older release (`--imsg-version`) lacks the methods of later ones, as imsg did; 0.14+ Linux the macOS-only ones.
  if (!handler || !compiledRpcMethods(personality, platform).includes(method)) return undefined;
  return handler;
}

/** Bridge methods always go over the bridge; `send` takes AppleScript when asked, or under auto without a bridge. */
function transportOf(method: string, params: Params, session: SimSession): DeliveryData["transport"] {
  if (method !== "send") return "bridge_v2";
  const transport = typeof params.transport === "string" ? params.transport.toLowerCase() : "auto";
  if (transport === "applescript") return "applescript";
  if (transport === "bridge" || bridgeReadyLockExists(session)) return "bridge_v2";
  return "applescript";
}

/**
 * Runs one mutation under the delivery-outcome faults (docs/imsg-protocol.md, Typed errors), or `killed` (the row
 * lands and the process dies unanswered): `not_started` answers
 * before the handler runs; `may_have_completed` and `still_in_flight` let it run (the row lands, as when the bridge
 * delivers but its answer is lost) and replace its answer. A `still_in_flight` failure, from here or from a handler,
 * blocks the lane (`dispatchStrict`).
 */
async function runMutation(
  request: ParsedRequest,
  handler: Handler,
  session: SimSession,
  state: DispatchState,
): Promise<Record<string, unknown>> {
  const typed = session.settings.personality.lanes;
  if (state.mutationDelayMs > 0) await sleep(state.mutationDelayMs);
  const disposition = state.mutationFaults.decide(request.method);
  if (disposition === undefined) return handler(request.params, session);
  if (disposition === "killed") {
    // The row is written (chat.db commits synchronously), then the process dies before any answer leaves it.
    await handler(request.params, session);
    process.kill(process.pid, "SIGKILL");
    return await new Promise<never>(() => {});
  }
  const data = deliveryData(
    disposition,
    mutationOperation(request.method),
    transportOf(request.method, request.params, session),
  );
  if (disposition !== "not_started") await handler(request.params, session);
  if (!typed) throw RpcError.internal(data.detail);
  throw deliveryFailure(data);
}

/** The `detail` of -32003 for a read-lane bridge call while the bridge is not running. */
const bridgeNotStartedDetail = "The bridge is not started. Run imsg launch explicitly before using bridge methods.";

/**
 * 0.14+'s mapping of an untyped bridge failure (docs/imsg-protocol.md, Typed errors): on a mutation, not ready is
 * `not_started` and anything after the hand-off `may_have_completed`; on any other lane it is -32003.
 */
function typedBridgeFailure(error: RpcError, method: string): RpcError {
  if (error.bridgeFailure === undefined) return error;
  const text = typeof error.data === "string" ? error.data : "";
  if (rpcLane(method) !== "mutation") {
    return RpcError.bridgeUnavailable(error.bridgeFailure === "not_ready" ? bridgeNotStartedDetail : text);
  }
  const disposition = error.bridgeFailure === "not_ready" ? "not_started" : "may_have_completed";
  return deliveryFailure(deliveryData(disposition, mutationOperation(method), "bridge_v2", text));
}

/** 0.9.0 texts of `IMsgError` cases 0.14+ classes as caller-caused, -32602 instead of -32603. */
const callerCausedTexts = ["Invalid ISO8601 date: "];

function reclassifyCallerCaused(error: RpcError): RpcError {
  const data = error.data;
  if (error.rpcCode !== -32603 || typeof data !== "string") return error;
  return callerCausedTexts.some((text) => data.startsWith(text)) ? RpcError.invalidParams(data) : error;
}

/** The delivery object of a `still_in_flight` failure, which blocks the mutation lane, whoever raised it. */
function stillInFlight(error: RpcError): DeliveryData | undefined {
  const data = error.data;
  if (error.rpcCode !== -32001 || typeof data === "string" || data.disposition !== "still_in_flight") return undefined;
  return data as unknown as DeliveryData;
}

async function runHandler(
  request: ParsedRequest,
  handler: Handler,
  session: SimSession,
  state: DispatchState,
): Promise<Record<string, unknown>> {
  if (rpcLane(request.method) === "mutation") return runMutation(request, handler, session, state);
  return handler(request.params, session);
}

/**
 * 0.9.0–0.13 (docs/imsg-protocol.md, Errors): a startup failure answers every parseable request, errors are answered
 * even for notifications (with `id: null`), and only a success without `id` stays silent.
 */
export async function dispatchLenient(
  request: ParsedRequest,
  session: SimSession | undefined,
  startupError: string | undefined,
  state: DispatchState,
): Promise<RpcAnswer | undefined> {
  const { id, hasId, method, params } = request;
  if (startupError !== undefined || !session) return errorAnswer(id, RpcError.internal(startupError ?? ""));
  try {
    const handler = offeredHandler(method, session);
    if (!handler) return errorAnswer(id, RpcError.methodNotFound(method));
    checkParamsShape(method, request.nonObjectParams ? null : params, session.settings.personality);
    const result = await runHandler(request, handler, session, state);
    if (!hasId) releaseAfterResponse(result);
    return hasId ? { id, result } : undefined;
  } catch (error) {
    return errorAnswer(id, asRpcError(error));
  }
}

/**
 * 0.14+ (docs/imsg-protocol.md, Strict framing): step 7 (`params` not an object), step 8 (-32601 for methods this
 * build or platform lacks), strict params, the database requirement (-32002), then the handler. A notification gets
 * no answer at all once it passed framing.
 */
export async function dispatchStrict(
  request: ParsedRequest,
  session: SimSession,
  state: DispatchState,
): Promise<RpcAnswer | undefined> {
  const { id, hasId, method, params } = request;
  const answer = (error: RpcError): RpcAnswer | undefined => (hasId ? errorAnswer(id, error) : undefined);
  if (request.paramsError) return answer(request.paramsError);
  const handler = offeredHandler(method, session);
  if (!handler) return answer(RpcError.methodNotFound(method));
  // A blocked lane answers its mutations before anything of theirs runs, their params included.
  const blockedBy = session.mutationLaneBlockedBy;
  if (blockedBy && rpcLane(method) === "mutation") return answer(mutationLaneBlocked(blockedBy));
  try {
    checkStrictParams(method, params, request.fractionalKeys);
    if (databaseMethods.has(method)) void session.store;
    const result = await runHandler(request, handler, session, state);
    if (!hasId) releaseAfterResponse(result);
    return hasId ? { id, result } : undefined;
  } catch (error) {
    const failure = typedBridgeFailure(reclassifyCallerCaused(asRpcError(error)), method);
    const delivery = stillInFlight(failure);
    if (delivery && rpcLane(method) === "mutation") session.blockMutationLane(delivery);
    return answer(failure);
  }
}
