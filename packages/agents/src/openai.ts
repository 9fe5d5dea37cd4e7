import { createHash } from "node:crypto";
import { join } from "node:path";
import { errorMessage, writeFileAtomically } from "@imessage-channel/kit";
import { AgentError, isRetryableHttpStatus } from "./agent-error.ts";
import { logSafeUrl } from "./log-safe-url.ts";
import { readJsonFile } from "./read-json-file.ts";
import { withRetries } from "./retry.ts";
import type { AgentRuntime } from "./runtime.ts";
import type { Turn } from "./turn.ts";

export interface OpenAiAgentOptions {
  baseUrl: string;
  model: string;
  /** Name of the environment variable holding the API key; the key itself never appears in config or logs. */
  apiKeyEnv?: string;
  /** Messages of history kept per session (user + assistant), oldest dropped first. */
  maxHistory?: number;
  timeoutMs?: number;
  /** Delay before the second of its three quick attempts at a 5xx, 408, 429 or unreachable endpoint (doubles). */
  retryBaseDelayMs?: number;
  stateDir: string;
  env?: NodeJS.ProcessEnv;
  onWarning?: (message: string) => void;
}

interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Session histories are private to the gateway user: 0600 files in a 0700 folder. */
const privateFile = { mode: 0o600, directoryMode: 0o700 };

/** Any OpenAI-compatible chat-completions endpoint, with per-session history in `<stateDir>/sessions/`. */
export function createOpenAiAgent(options: OpenAiAgentOptions): AgentRuntime {
  const maxHistory = options.maxHistory ?? 20;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const endpoint = `${options.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const where = logSafeUrl(endpoint);
  const env = options.env ?? process.env;
  const historyPath = (sessionKey: string) =>
    join(options.stateDir, "sessions", `${createHash("sha256").update(sessionKey).digest("hex").slice(0, 32)}.json`);

  async function loadHistory(sessionKey: string): Promise<ChatMessage[]> {
    const stored = await readJsonFile(historyPath(sessionKey), (movedTo) =>
      options.onWarning?.(`openai agent: session history was corrupt and was moved to ${movedTo}`),
    );
    const messages = (stored as { messages?: ChatMessage[] } | undefined)?.messages;
    return Array.isArray(messages) ? messages : [];
  }

  async function complete(messages: ChatMessage[], signal: AbortSignal): Promise<string> {
    const apiKey = options.apiKeyEnv ? env[options.apiKeyEnv] : undefined;
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ model: options.model, messages }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new AgentError("AGENT_NETWORK_ERROR", `openai agent ${where} unreachable: ${errorMessage(error)}`, {
        retryable: true,
        cause: error,
      });
    }
    if (!response.ok) {
      const hint = response.status === 401 ? `: check the key in $${options.apiKeyEnv ?? "<apiKeyEnv>"}` : "";
      throw new AgentError("AGENT_HTTP_ERROR", `openai agent ${where} answered HTTP ${response.status}${hint}`, {
        retryable: isRetryableHttpStatus(response.status),
      });
    }
    const body = (await response.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== "string") {
      throw new AgentError("AGENT_BAD_REPLY", `openai agent ${where} answered without choices[0].message.content`, {
        retryable: false,
      });
    }
    return content;
  }

  return {
    kind: "openai",
    async run(turn: Turn, signal) {
      const history = await loadHistory(turn.sessionKey);
      const user: ChatMessage = { role: "user", content: turn.text };
      const system: ChatMessage[] = turn.systemPrompt ? [{ role: "system", content: turn.systemPrompt }] : [];
      const content = await withRetries(() => complete([...system, ...history, user], signal), {
        attempts: 3,
        baseDelayMs: options.retryBaseDelayMs ?? 1000,
        signal,
      });
      const kept = [...history, user, { role: "assistant" as const, content }].slice(-maxHistory);
      await writeFileAtomically(
        historyPath(turn.sessionKey),
        JSON.stringify({ sessionKey: turn.sessionKey, messages: kept }),
        privateFile,
      );
      return content.trim() ? { text: content } : undefined;
    },
    async reset(sessionKey) {
      await writeFileAtomically(historyPath(sessionKey), JSON.stringify({ sessionKey, messages: [] }), privateFile);
    },
  };
}
