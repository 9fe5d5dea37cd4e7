/**
 * A tiny real ACP agent for tests, built on the SDK's agent side and run as a child process:
 *   node acp-fixture-agent.ts --log <events.jsonl> --sessions <sessions.json> [--load] [--banner] [--require-auth]
 *
 * Prompt behaviour (by what the prompt text contains):
 * - "crash"        → exits with code 1 mid-turn
 * - "hang"         → never answers until `session/cancel` arrives, then stops with `cancelled`
 * - "use tool"     → asks for permission (tool kind: the word after "use tool", default `edit`), reports the outcome
 * - "what did I say" → lists the earlier prompts of this session
 * - anything else  → echoes the text word by word in several `agent_message_chunk` updates
 *
 * `--banner` prints a non-JSON line on stdout first; `--require-auth` refuses sessions as unauthenticated. `--load` advertises `loadSession`; sessions and their history live in the `--sessions` file, so a new
 * process can load what an old one created. Every request it gets is appended to the `--log` file.
 */

import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import { agent, ndJsonStream, PROTOCOL_VERSION, RequestError, type ToolKind } from "@agentclientprotocol/sdk";

const { values } = parseArgs({
  options: {
    log: { type: "string" },
    sessions: { type: "string" },
    load: { type: "boolean", default: false },
    banner: { type: "boolean", default: false },
    "require-auth": { type: "boolean", default: false },
  },
});
const logPath = values.log;
const sessionsPath = values.sessions;
if (!logPath || !sessionsPath) throw new Error("acp-fixture-agent: --log and --sessions are required");

type History = Record<string, string[]>;

function log(event: Record<string, unknown>): void {
  appendFileSync(logPath as string, `${JSON.stringify({ pid: process.pid, ...event })}\n`);
}

function readHistory(): History {
  return existsSync(sessionsPath as string)
    ? (JSON.parse(readFileSync(sessionsPath as string, "utf8")) as History)
    : {};
}

function writeHistory(history: History): void {
  writeFileSync(sessionsPath as string, JSON.stringify(history));
}

const cancelled = new Map<string, () => void>();

const app = agent({ name: "acp-fixture-agent" })
  .onRequest("initialize", ({ params }) => {
    log({
      method: "initialize",
      clientCapabilities: params.clientCapabilities,
      protocolVersion: params.protocolVersion,
    });
    return {
      protocolVersion: PROTOCOL_VERSION,
      agentCapabilities: { loadSession: values.load, sessionCapabilities: { close: {} } },
      agentInfo: { name: "acp-fixture-agent", version: "1.0.0" },
    };
  })
  .onRequest("session/new", ({ params }) => {
    if (values["require-auth"]) throw RequestError.authRequired();
    const sessionId = `fixture-${randomUUID()}`;
    const history = readHistory();
    history[sessionId] = [];
    writeHistory(history);
    log({ method: "session/new", sessionId, cwd: params.cwd });
    return { sessionId };
  })
  .onRequest("session/load", async ({ params, client }) => {
    log({ method: "session/load", sessionId: params.sessionId, cwd: params.cwd });
    if (!values.load) throw RequestError.methodNotFound("session/load");
    const prompts = readHistory()[params.sessionId];
    if (!prompts) throw RequestError.resourceNotFound(params.sessionId);
    // Real agents replay the conversation while loading; a client must not mistake it for a new answer.
    for (const text of prompts) {
      await client.notify("session/update", {
        sessionId: params.sessionId,
        update: { sessionUpdate: "user_message_chunk", content: { type: "text", text } },
      });
      await client.notify("session/update", {
        sessionId: params.sessionId,
        update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: `replayed ${text}` } },
      });
    }
    return {};
  })
  .onRequest("session/close", ({ params }) => {
    log({ method: "session/close", sessionId: params.sessionId });
    return {};
  })
  .onNotification("session/cancel", ({ params }) => {
    log({ method: "session/cancel", sessionId: params.sessionId });
    cancelled.get(params.sessionId)?.();
  })
  .onRequest("session/prompt", async ({ params, client }) => {
    const { sessionId } = params;
    const text = params.prompt
      .map((block) => (block.type === "text" ? block.text : `[${block.type}]`))
      .join("\n")
      .trim();
    log({ method: "session/prompt", sessionId, text, blocks: params.prompt });
    const history = readHistory();
    const earlier = history[sessionId];
    if (!earlier) throw RequestError.resourceNotFound(sessionId);
    history[sessionId] = [...earlier, text];
    writeHistory(history);

    const say = (chunk: string) =>
      client.notify("session/update", {
        sessionId,
        update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: chunk } },
      });

    if (text.includes("crash")) {
      await say("about to crash");
      process.stderr.write("fixture: giving up on purpose\n");
      process.exit(1);
    }
    if (text.includes("hang")) {
      await say("working");
      await new Promise<void>((resolve) => cancelled.set(sessionId, resolve));
      cancelled.delete(sessionId);
      return { stopReason: "cancelled" };
    }
    if (text.includes("use tool")) {
      const kind = (/use tool (\w+)/.exec(text)?.[1] ?? "edit") as ToolKind;
      await say(`Checking with the ${kind} tool.`);
      const toolCallId = `call-${randomUUID()}`;
      await client.notify("session/update", {
        sessionId,
        update: { sessionUpdate: "tool_call", toolCallId, title: `fixture ${kind}`, kind, status: "pending" },
      });
      const answer = await client.request("session/request_permission", {
        sessionId,
        toolCall: { toolCallId, kind, title: `fixture ${kind}` },
        options: [
          { optionId: "yes-once", name: "Allow once", kind: "allow_once" },
          { optionId: "yes-always", name: "Always allow", kind: "allow_always" },
          { optionId: "no-once", name: "Reject", kind: "reject_once" },
          { optionId: "no-always", name: "Always reject", kind: "reject_always" },
        ],
      });
      const outcome = answer.outcome.outcome === "selected" ? answer.outcome.optionId : "cancelled";
      log({ method: "permission-answered", sessionId, kind, outcome });
      await say(`permission ${outcome}`);
      return { stopReason: "end_turn" };
    }
    if (text.includes("what did I say")) {
      await say(earlier.length === 0 ? "you said nothing" : `you said: ${earlier.join(" | ")}`);
      return { stopReason: "end_turn" };
    }
    const words = text.split(/\s+/);
    await say("echo:");
    for (const word of words) await say(` ${word}`);
    return { stopReason: "end_turn" };
  });

// Some agents and launchers print a human banner on stdout before speaking ACP.
if (values.banner) process.stdout.write("Welcome to the fixture agent! (not JSON)\n");

const connection = app.connect(
  ndJsonStream(Writable.toWeb(process.stdout) as WritableStream<Uint8Array>, Readable.toWeb(process.stdin)),
);
await connection.closed;
