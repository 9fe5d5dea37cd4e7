import { parseArgs } from "node:util";
import { ChatStore } from "./chat-store.ts";
import { type ParsedValues, resolveSimOptions, type SimCliOptions, simOptionSpec } from "./cli-options.ts";
import type { Output } from "./cli-output.ts";
import { contactBookFor } from "./contact-book.ts";
import { chatsList, messagesHistory } from "./methods-read.ts";
import { send } from "./methods-send.ts";
import { RpcError } from "./rpc-error.ts";
import type { Params } from "./rpc-params.ts";
import { SimSession } from "./sim-session.ts";
import { startupErrorText } from "./startup-error.ts";

function openForCli(options: SimCliOptions): SimSession {
  const store = new ChatStore(options.settings.dbPath, contactBookFor(options.settings));
  return new SimSession(
    options.settings,
    store,
    () => {},
    () => {},
  );
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

/** `imsg-sim chats | history | send`: one method call printed as text or NDJSON. */
export function runQuery(command: string, args: string[], environment: NodeJS.ProcessEnv, output: Output): number {
  const { values } = parseArgs({ args, options: queryOptionSpec, strict: true }) as { values: ParsedValues };
  const options = resolveSimOptions(values, environment);
  const json = Boolean(values.json || values["json-output"] || values.jsonOutput);
  let session: SimSession;
  try {
    session = openForCli(options);
  } catch (error) {
    output.stderr(`${startupErrorText(error, options.settings.dbPath)}\n`);
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
