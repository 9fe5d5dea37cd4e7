import { fileURLToPath } from "node:url";
import { LocalTransport } from "@imessage-channel/transport";

const scriptPath = fileURLToPath(new URL("./scripted-child.mjs", import.meta.url));

export interface ChildScript {
  startup?: string[];
  exitAtStart?: number;
  echo?: boolean;
  answers?: Record<string, ScriptedAnswer | ScriptedAnswer[]>;
}

export interface ScriptedAnswer {
  result?: unknown;
  error?: unknown;
  before?: string[];
  after?: string[];
  silent?: boolean;
  exitAfter?: number;
}

/** A `message` notification line with every field imsg always sends. */
export function messageNotificationLine(subscription: number, id: number, text = "hello"): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    method: "message",
    params: {
      subscription,
      message: {
        id,
        chat_id: 1,
        guid: `GUID-${id}`,
        sender: "+15551234567",
        is_from_me: false,
        text,
        created_at: "2026-05-01T12:00:00.000Z",
        attachments: [],
        reactions: [],
        chat_identifier: "+15551234567",
        chat_guid: "iMessage;-;+15551234567",
        chat_name: "",
        participants: ["+15551234567"],
        is_group: false,
      },
    },
  });
}

/** The requests a scripted child received, parsed from its stderr. */
export function requestsSeen(stderr: string): Array<{ method: string; params?: Record<string, unknown> }> {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("request "))
    .map((line) => JSON.parse(line.slice("request ".length)) as { method: string; params?: Record<string, unknown> });
}

/** A real child process that speaks JSON lines as the script says (see scripted-child.mjs). */
export function scriptedTransport(script: ChildScript): LocalTransport {
  return new LocalTransport({
    cliPath: process.execPath,
    args: [scriptPath],
    env: { ...process.env, IMSG_SCRIPT: JSON.stringify(script) },
    closeGraceMs: 1000,
    terminateGraceMs: 1000,
  });
}
