import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { ChatStore } from "./chat-store.ts";
import { compiledRpcMethods } from "./compiled-methods.ts";
import { contactBookFor } from "./contact-book.ts";
import { notificationOutput, type PressureSource } from "./notification-output.ts";
import { recordRequest } from "./request-log.ts";
import { releaseAfterResponse } from "./response-gate.ts";
import { RpcError } from "./rpc-error.ts";
import { rpcHandlers } from "./rpc-handlers.ts";
import type { Params } from "./rpc-params.ts";
import { abruptExitCode, deepLine, malformedLine, noFaults, type SimFaults } from "./sim-faults.ts";
import { type SessionSettings, SimSession } from "./sim-session.ts";
import { simulatedPermissionError, startupErrorText } from "./startup-error.ts";
import { statusSnapshot } from "./status-snapshot.ts";
import { checkParamsShape, checkStrictParams, fractionalNumberKeys } from "./strict-params.ts";

export interface RpcServerOptions extends SessionSettings {
  input: Readable;
  output: { write(chunk: string): unknown };
  faults?: SimFaults;
  /** Called by the abrupt-exit fault; the CLI passes `process.exit`. */
  exit?: (code: number) => void;
}

const parseErrorText = "The data couldn’t be read because it isn’t in the correct format.";

/** Opens the store, or returns the startup error text imsg 0.8.2+ answers every request with. */
function openStore(settings: SessionSettings, faults: SimFaults): ChatStore | string {
  const dbPath = settings.dbPath;
  if (faults.fullDiskAccess) return startupErrorText(simulatedPermissionError(), dbPath);
  const contacts = contactBookFor(settings);
  try {
    return new ChatStore(dbPath, contacts);
  } catch (error) {
    return startupErrorText(error, dbPath);
  }
}

/**
 * `imsg rpc` over line-delimited JSON: framing, parsing and error rules (docs/imsg-protocol.md#framing, #errors),
 * serial request handling, watch notifications in between. Resolves with the exit code once the input ends.
 */
export async function runRpcServer(options: RpcServerOptions): Promise<number> {
  const faults = options.faults ?? noFaults;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let notifications = 0;
  let responses = 0;

  const writeObject = (value: unknown): void => {
    let line: string;
    try {
      line = JSON.stringify(value);
    } catch {
      line = '{"jsonrpc":"2.0","error":{"code":-32603,"message":"write failed"}}';
    }
    options.output.write(`${line}\n`);
  };

  const writeNotification = (method: string, params: unknown): void => {
    if (faults.silentAfterNotifications !== undefined && notifications >= faults.silentAfterNotifications) return;
    writeObject({ jsonrpc: "2.0", method, params });
    notifications += 1;
    if (faults.exitAfterNotifications !== undefined && notifications >= faults.exitAfterNotifications) {
      exit(abruptExitCode);
    }
  };

  const injectLineFaults = (): void => {
    if (faults.malformedLineAfterResponses === responses) options.output.write(`${malformedLine}\n`);
    if (faults.oversizedLineAfterResponses === responses) {
      const padding = "x".repeat(Math.max(0, faults.oversizedLineBytes - 80));
      writeObject({ jsonrpc: "2.0", method: "x-imsg-sim-padding", params: { padding } });
    }
    if (faults.deepLineAfterResponses === responses) options.output.write(`${deepLine()}\n`);
  };

  const respond = async (value: Record<string, unknown>): Promise<void> => {
    if (faults.hangAfterResponses !== undefined && responses >= faults.hangAfterResponses) return;
    if (faults.responseDelayMs > 0) await sleep(faults.responseDelayMs);
    writeObject({ jsonrpc: "2.0", ...value });
    releaseAfterResponse(value.result);
    responses += 1;
    injectLineFaults();
    if (faults.exitAfterResponses !== undefined && responses >= faults.exitAfterResponses) exit(abruptExitCode);
  };

  const opened = openStore(options, faults);
  const session =
    typeof opened === "string"
      ? undefined
      : new SimSession(
          options,
          opened,
          (subscription, message) => writeNotification("message", { subscription, message }),
          (subscription, message) => writeNotification("error", { subscription, error: { message } }),
          notificationOutput(options.output as PressureSource, writeNotification),
        );
  const startupError = typeof opened === "string" ? opened : undefined;
  injectLineFaults();

  const lines = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const rawLine of lines) {
    const line = rawLine.trim();
    if (line === "") continue;
    if (options.requestLog) logRequest(options.requestLog, line);
    const outcome = handleLine(line, session, startupError, options);
    if (outcome) await respond(outcome);
  }
  session?.close();
  return startupError === undefined ? 0 : 1;
}

/** Records a request line that names a method (`--request-log`); malformed lines are not requests. */
function logRequest(path: string, line: string): void {
  try {
    const { method, params } = JSON.parse(line) as { method?: unknown; params?: unknown };
    if (typeof method === "string") recordRequest(path, { kind: "rpc", method, params });
  } catch {
    // Not JSON: nothing was asked.
  }
}

function errorResponse(id: unknown, error: RpcError): Record<string, unknown> {
  return { id: id ?? null, error: { code: error.rpcCode, message: error.message, data: error.data } };
}

/** Parses and answers one request line; undefined when nothing is written (a successful notification). */
export function handleLine(
  line: string,
  session: SimSession | undefined,
  startupError: string | undefined,
  settings: SessionSettings | undefined = session?.settings,
): Record<string, unknown> | undefined {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch {
    return errorResponse(null, RpcError.parse(parseErrorText));
  }
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    return errorResponse(null, RpcError.invalidRequest("request must be an object"));
  }
  const fields = request as Record<string, unknown>;
  const hasId = Object.hasOwn(fields, "id");
  const id = fields.id;
  const strict = settings?.personality.strictFraming === true;
  // 0.14 requires `jsonrpc` and object params (docs/imsg-protocol.md, What 0.14 refuses); the runtime's parser owns the rest.
  if (strict && fields.jsonrpc !== "2.0") {
    return errorResponse(id, RpcError.invalidRequest("jsonrpc must be exactly 2.0"));
  }
  if (typeof fields.jsonrpc === "string" && fields.jsonrpc !== "2.0") {
    return errorResponse(id, RpcError.invalidRequest("jsonrpc must be 2.0"));
  }
  const method = fields.method;
  if (typeof method !== "string" || method === "") {
    return errorResponse(id, RpcError.invalidRequest("method is required"));
  }
  const rawParams = fields.params;
  if (
    strict &&
    rawParams !== undefined &&
    (typeof rawParams !== "object" || rawParams === null || Array.isArray(rawParams))
  ) {
    return errorResponse(id, RpcError.invalidParams("params must be an object when present"));
  }
  const params =
    typeof rawParams === "object" && rawParams !== null && !Array.isArray(rawParams) ? (rawParams as Params) : {};
  // A lazy-database build answers initialize/status without a database (docs/imsg-protocol.md, initialize and status).
  const statusWithoutDatabase =
    !session && settings?.personality.lazyDatabase && ["initialize", "status"].includes(method);
  if (!statusWithoutDatabase && (startupError !== undefined || !session)) {
    return errorResponse(id, RpcError.internal(startupError ?? ""));
  }
  if (!settings) return errorResponse(id, RpcError.internal(startupError ?? ""));
  const personality = settings.personality;
  const handler = rpcHandlers[method];
  // An older release (`--imsg-version`) lacks the methods of later ones, as imsg did; 0.14+ Linux the macOS-only ones.
  if (!compiledRpcMethods(personality, settings.platform).includes(method)) {
    return errorResponse(id, RpcError.methodNotFound(method));
  }
  try {
    checkParamsShape(method, rawParams, personality);
    if (personality.strictParams) checkStrictParams(method, params, fractionalNumberKeys(line));
    if (!handler) return errorResponse(id, RpcError.methodNotFound(method));
    const result = session ? handler(params, session) : statusSnapshot(settings);
    if (!hasId) releaseAfterResponse(result);
    return hasId ? { id, result } : undefined;
  } catch (error) {
    if (error instanceof RpcError) return errorResponse(id, error);
    return errorResponse(id, RpcError.internal(error instanceof Error ? error.message : String(error)));
  }
}
