import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { ChatStore } from "./chat-store.ts";
import { contactBookFor } from "./contact-book.ts";
import { DatabaseGenerations } from "./database-generations.ts";
import { payloadFieldsFor } from "./message-fields.ts";
import { MutationFaults } from "./mutation-faults.ts";
import { notificationOutput, type PressureSource } from "./notification-output.ts";
import { protocolErrorLog } from "./protocol-error-log.ts";
import { recordRequest } from "./request-log.ts";
import { parseLenient, parseStrict } from "./request-parser.ts";
import { rpcLane } from "./rpc-descriptors.ts";
import { type DispatchState, dispatchLenient, dispatchStrict, errorAnswer, offeredHandler } from "./rpc-dispatch.ts";
import { RpcError } from "./rpc-error.ts";
import { RpcOutput } from "./rpc-output.ts";
import { RpcScheduler } from "./rpc-scheduler.ts";
import { noFaults, type SimFaults } from "./sim-faults.ts";
import { type SessionSettings, SimSession } from "./sim-session.ts";
import { simulatedPermissionError, startupErrorText } from "./startup-error.ts";

export interface RpcServerOptions extends SessionSettings {
  input: Readable;
  output: { write(chunk: string): unknown };
  faults?: SimFaults;
  /** Called by the abrupt-exit fault; the CLI passes `process.exit`. */
  exit?: (code: number) => void;
}

/** Opens the store, or returns the startup error text imsg 0.8.2–0.13 answers every request with. */
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

/** The busy fault: after `busyAfter` admitted requests, the next `busyCount` identified ones are refused. */
function busyFault(faults: SimFaults): () => boolean {
  let admitted = 0;
  let refused = 0;
  return () => {
    if (faults.busyAfter !== undefined && admitted >= faults.busyAfter && refused < (faults.busyCount ?? 1)) {
      refused += 1;
      return true;
    }
    admitted += 1;
    return false;
  };
}

const busy = RpcError.serverBusy("outstanding request limit exceeded");

/**
 * `imsg rpc` over line-delimited JSON (docs/imsg-protocol.md#framing, #errors). 0.9.0–0.13 answer one request at a
 * time; 0.14+ parse strictly and run the lanes (docs/imsg-protocol.md, Lanes). Resolves with the exit code once the
 * input ended and everything admitted was answered.
 */
export async function runRpcServer(options: RpcServerOptions): Promise<number> {
  const faults = options.faults ?? noFaults;
  const output = new RpcOutput(
    options.output,
    faults,
    options.exit ?? ((code: number) => process.exit(code)),
    options.protocolErrorLog ? protocolErrorLog(options.protocolErrorLog) : undefined,
  );
  const state: DispatchState = {
    mutationFaults: new MutationFaults(faults.mutationFaults ?? []),
    mutationDelayMs: faults.mutationDelayMs ?? 0,
  };
  const lines = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
  const requestLines = async function* (): AsyncGenerator<Line> {
    for await (const rawLine of lines) {
      const text = rawLine.trim();
      if (text === "") continue;
      const method = methodOf(text);
      if (options.requestLog && method !== undefined) {
        recordRequest(options.requestLog, { kind: "rpc", method, params: paramsOf(text) });
      }
      yield { text, method };
    }
  };
  const emitters = [
    (subscription: number, message: unknown) => output.notify("message", { subscription, message }),
    (subscription: number, message: string) => output.notify("error", { subscription, error: { message } }),
    // 0.14+'s bounded subscriptions see the reader's back-pressure (a reader that stops reading overflows them).
    notificationOutput(options.output as PressureSource, (method, params) => output.notify(method, params)),
  ] as const;
  if (options.personality.lanes) {
    const database = new DatabaseGenerations({
      path: options.dbPath,
      // Every generation reads the payload fields of the release played, as the store opened at startup does.
      open: (path) =>
        Object.assign(new ChatStore(path, contactBookFor(options)), {
          payload: payloadFieldsFor(options.personality),
        }),
      denyAccess: faults.fullDiskAccess,
    });
    const session = new SimSession(options, database, ...emitters);
    output.injectLineFaults();
    return runLanes(requestLines(), session, output, faults, state);
  }
  const opened = openStore(options, faults);
  const session = typeof opened === "string" ? undefined : new SimSession(options, opened, ...emitters);
  output.injectLineFaults();
  return runSerial(requestLines(), session, typeof opened === "string" ? opened : undefined, output, faults, state);
}

/**
 * The 0.9.0–0.13 loop: one request at a time, answered before the next line is read; in startup-failure mode every
 * parseable request gets the error and EOF exits 1.
 */
async function runSerial(
  requestLines: AsyncIterable<Line>,
  session: SimSession | undefined,
  startupError: string | undefined,
  output: RpcOutput,
  faults: SimFaults,
  state: DispatchState,
): Promise<number> {
  const refuse = busyFault(faults);
  for await (const line of requestLines) {
    const parsed = parseLenient(line.text);
    if (parsed.kind === "invalid") {
      await output.respond(errorAnswer(parsed.id, parsed.error), line.method);
      continue;
    }
    if (parsed.hasId && refuse()) {
      await output.respond(errorAnswer(parsed.id, busy));
      continue;
    }
    const answer = await dispatchLenient(parsed, session, startupError, state);
    if (answer) await output.respond(answer, parsed.method);
  }
  session?.close();
  return startupError === undefined ? 0 : 1;
}

/**
 * The 0.14+ loop: parse, admit (128 outstanding, then -32000 for requests and silence for notifications), queue on
 * the method's lane. On EOF: subscriptions end silently, a queued `watch.subscribe` is refused, and everything else
 * admitted drains before the exit with 0 (docs/imsg-protocol.md, Shutdown).
 */
async function runLanes(
  requestLines: AsyncIterable<Line>,
  session: SimSession,
  output: RpcOutput,
  faults: SimFaults,
  state: DispatchState,
): Promise<number> {
  const scheduler = new RpcScheduler({
    delayMs: faults.readDelayMs ?? 0,
    order: faults.readOrder ?? { kind: "fifo" },
  });
  const refuse = busyFault(faults);
  for await (const line of requestLines) {
    const parsed = parseStrict(line.text);
    if (parsed.kind === "invalid") {
      const answer = () => output.respond(errorAnswer(parsed.id, parsed.error), line.method);
      if (scheduler.hasRoom()) scheduler.submit("control", { run: answer });
      else void answer();
      continue;
    }
    if (!scheduler.hasRoom() || (parsed.hasId && refuse())) {
      if (parsed.hasId) void output.respond(errorAnswer(parsed.id, busy));
      continue;
    }
    const offered = parsed.paramsError === undefined && offeredHandler(parsed.method, session) !== undefined;
    const lane = offered ? rpcLane(parsed.method) : "control";
    const subscribes = parsed.method === "watch.subscribe" || parsed.method === "bridge.events.subscribe";
    scheduler.submit(lane, {
      run: async () => {
        const answer = await dispatchStrict(parsed, session, state);
        if (answer) await output.respond(answer, parsed.method);
      },
      ...(subscribes ? { onShutdown: () => refuseAtShutdown(parsed.hasId, parsed.id, output) } : {}),
    });
  }
  session.cancelSubscriptions();
  await scheduler.shutdown();
  session.close();
  return 0;
}

/** A subscribe still queued at EOF never starts: -32000 `server is shutting down` (nothing for a notification). */
async function refuseAtShutdown(hasId: boolean, id: unknown, output: RpcOutput): Promise<void> {
  if (hasId) await output.respond(errorAnswer(id, RpcError.serverBusy("server is shutting down")));
}

/** One input line, and the method it names when it is a JSON object with a string `method`. */
interface Line {
  text: string;
  method: string | undefined;
}

function parsedObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The method a line names (`--request-log`, `--protocol-error-log`); malformed lines name none. */
function methodOf(text: string): string | undefined {
  const method = parsedObject(text)?.method;
  return typeof method === "string" ? method : undefined;
}

function paramsOf(text: string): unknown {
  return parsedObject(text)?.params;
}
