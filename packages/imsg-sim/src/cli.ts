import { parseArgs } from "node:util";
import { readBridgeState, writeBridgeState } from "./bridge-state.ts";
import { ChatStore } from "./chat-store.ts";
import { runInjectCommand, runSeedCommand } from "./cli-inject.ts";
import { type ParsedValues, resolveSimOptions, type SimCliOptions, simOptionSpec } from "./cli-options.ts";
import { ImsgSimError } from "./errors.ts";
import { chatsList, messagesHistory } from "./methods-read.ts";
import { send } from "./methods-send.ts";
import { fullDiskAccessText, isPermissionLikeSqliteError, linuxTexts, macTexts } from "./platform-texts.ts";
import { RpcError } from "./rpc-error.ts";
import { simVersion } from "./rpc-methods-list.ts";
import type { Params } from "./rpc-params.ts";
import { runRpcServer } from "./rpc-server.ts";
import { SimSession } from "./sim-session.ts";
import { statusReport } from "./status-report.ts";

/** `imsg rpc --help` (§10.2): options and help text are tab-separated. */
export const rpcHelpText = `imsg rpc
Run JSON-RPC over stdin/stdout

Usage:
  imsg rpc [options]

Options:
  --db <value>\tPath to chat.db (defaults to ~/Library/Messages/chat.db)
  --log-level, --logLevel <value>\tSet log level (trace|verbose|debug|info|warning|error|critical)
  -v, --verbose\tEnable verbose logging
  --json, -j, --json-output, --jsonOutput\tEmit machine-readable JSON output

Examples:
  imsg rpc
  imsg rpc --db ~/Library/Messages/chat.db
`;

const usageText = `imsg ${simVersion()}
imsg-sim: a simulated Mac speaking the imsg 0.9.0 CLI and JSON-RPC protocol over a real-schema chat.db

Usage:
  imsg-sim rpc [--db PATH] [--platform mac|linux] [sim and fault flags]
  imsg-sim status --json [--db PATH]
  imsg-sim launch [--db PATH]
  imsg-sim chats [--db PATH] [--limit N] [--json]
  imsg-sim history --chat-id N [--limit N] [--attachments] [--json]
  imsg-sim send (--to HANDLE | --chat-id N | --chat-guid G | --chat-identifier I) [--text T] [--file F] [--json]
  imsg-sim inject --db PATH --from HANDLE [--text T] [--group ID] ... (see README)
  imsg-sim seed --db PATH
  imsg-sim --version
`;

interface Output {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const cliOutput: Output = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function openForCli(options: SimCliOptions): SimSession {
  const store = new ChatStore(options.settings.dbPath);
  return new SimSession(
    options.settings,
    store,
    () => {},
    () => {},
  );
}

function sqliteFailure(error: unknown, dbPath: string): string {
  const sqlite = error as { message?: string; errcode?: number };
  const underlying = `${sqlite.message ?? String(error)}${sqlite.errcode === undefined ? "" : ` (code: ${sqlite.errcode})`}`;
  return isPermissionLikeSqliteError(underlying) ? fullDiskAccessText(dbPath, underlying) : underlying;
}

async function runRpc(args: string[], environment: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const { values } = parseArgs({ args, options: simOptionSpec, strict: true });
  if (values.help) {
    output.stdout(rpcHelpText);
    return 0;
  }
  const options = resolveSimOptions(values, environment);
  if (options.pre082) {
    try {
      if (options.faults.fullDiskAccess)
        throw Object.assign(new Error("unable to open database file"), { errcode: 14 });
      new ChatStore(options.settings.dbPath).close();
    } catch (error) {
      output.stdout(`${sqliteFailure(error, options.settings.dbPath)}\n`);
      return 1;
    }
  }
  return runRpcServer({
    ...options.settings,
    faults: options.faults,
    input: process.stdin,
    output: process.stdout,
    exit: (code) => process.exit(code),
  });
}

function runStatus(args: string[], environment: NodeJS.ProcessEnv, output: Output): number {
  const { values } = parseArgs({ args, options: simOptionSpec, strict: true });
  const options = resolveSimOptions(values, environment);
  const bridge = { ...readBridgeState(options.settings.dbPath), ...options.settings.bridgeOverrides };
  const report = statusReport(options.settings.platform, bridge);
  if (values.json || values["json-output"] || values.jsonOutput) {
    output.stdout(`${JSON.stringify(report)}\n`);
    return 0;
  }
  output.stdout(`imsg ${report.version}\n${report.message}\n`);
  return 0;
}

function runLaunch(args: string[], environment: NodeJS.ProcessEnv, output: Output): number {
  const { values } = parseArgs({ args, options: simOptionSpec, strict: true });
  const options = resolveSimOptions(values, environment);
  if (options.settings.platform === "linux") {
    output.stderr(`${linuxTexts.bridgeLaunch}\n`);
    return 1;
  }
  const bridge = { ...readBridgeState(options.settings.dbPath), ...options.settings.bridgeOverrides };
  if (bridge.sip !== "disabled") {
    output.stderr(`${macTexts.sipEnabled}\n`);
    return 1;
  }
  writeBridgeState(options.settings.dbPath, { sip: "disabled", launched: true, fallen: false });
  output.stdout("Messages.app launched with the imsg bridge helper injected.\n");
  return 0;
}

const queryOptionSpec: typeof simOptionSpec = {
  ...simOptionSpec,
  limit: { type: "string" },
  "chat-id": { type: "string" },
  "chat-identifier": { type: "string" },
  "chat-guid": { type: "string" },
  attachments: { type: "boolean" },
  participants: { type: "string" },
  start: { type: "string" },
  end: { type: "string" },
  to: { type: "string" },
  text: { type: "string" },
  file: { type: "string" },
  service: { type: "string" },
  transport: { type: "string" },
  region: { type: "string" },
};

function paramsFrom(values: Record<string, unknown>, names: Record<string, string>): Params {
  const params: Params = {};
  for (const [flag, param] of Object.entries(names)) {
    if (values[flag] !== undefined) params[param] = values[flag];
  }
  return params;
}

function runQuery(command: string, args: string[], environment: NodeJS.ProcessEnv, output: Output): number {
  const { values } = parseArgs({ args, options: queryOptionSpec, strict: true }) as { values: ParsedValues };
  const options = resolveSimOptions(values, environment);
  const json = Boolean(values.json || values["json-output"] || values.jsonOutput);
  let session: SimSession;
  try {
    session = openForCli(options);
  } catch (error) {
    output.stderr(`${sqliteFailure(error, options.settings.dbPath)}\n`);
    return 1;
  }
  try {
    if (command === "chats") {
      const { chats } = chatsList(paramsFrom(values, { limit: "limit" }), session) as {
        chats: Record<string, unknown>[];
      };
      for (const listed of chats) {
        const chat = { ...listed, ...session.store.cliChatFields(listed.id as number) };
        output.stdout(
          json
            ? `${JSON.stringify(chat)}\n`
            : `[${chat.id}] ${chat.name} (${chat.identifier}) last=${chat.last_message_at}\n`,
        );
      }
      return 0;
    }
    if (command === "history") {
      const { messages } = messagesHistory(
        paramsFrom(values, {
          "chat-id": "chat_id",
          limit: "limit",
          attachments: "attachments",
          participants: "participants",
          start: "start",
          end: "end",
        }),
        session,
      ) as { messages: Record<string, unknown>[] };
      for (const message of messages) {
        output.stdout(
          json
            ? `${JSON.stringify(message)}\n`
            : `${message.created_at} [${message.is_from_me ? "me" : message.sender}] ${message.text}\n`,
        );
      }
      return 0;
    }
    const result = send(
      paramsFrom(values, {
        to: "to",
        "chat-id": "chat_id",
        "chat-identifier": "chat_identifier",
        "chat-guid": "chat_guid",
        text: "text",
        file: "file",
        service: "service",
        transport: "transport",
        region: "region",
      }),
      session,
    );
    output.stdout(json ? `${JSON.stringify(result)}\n` : "sent\n");
    return 0;
  } catch (error) {
    if (error instanceof RpcError) {
      output.stderr(`${error.data}\n`);
      return 1;
    }
    throw error;
  } finally {
    session.close();
  }
}

/** Entry point of the `imsg-sim` executable; returns the process exit code. */
export async function main(
  args: string[],
  environment: NodeJS.ProcessEnv = process.env,
  output: Output = cliOutput,
): Promise<number> {
  if (args.includes("--version") || args.includes("-V")) {
    output.stdout(`${simVersion(environment)}\n`);
    return 0;
  }
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "rpc":
        return await runRpc(rest, environment, output);
      case "status":
        return runStatus(rest, environment, output);
      case "launch":
        return runLaunch(rest, environment, output);
      case "chats":
      case "history":
      case "send":
        return runQuery(command, rest, environment, output);
      case "inject":
        return await runInjectCommand(rest, environment, output.stdout);
      case "seed":
        return runSeedCommand(rest, environment);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        output.stdout(usageText);
        return 0;
      default:
        output.stderr(`imsg-sim: unknown command "${command}"\n${usageText}`);
        return 1;
    }
  } catch (error) {
    if (ImsgSimError.isInstance(error) || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      output.stderr(`${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}
