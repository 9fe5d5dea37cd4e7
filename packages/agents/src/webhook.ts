import { errorMessage } from "@imessage-channel/kit";
import { AgentError, isRetryableHttpStatus } from "./agent-error.ts";
import { logSafeUrl } from "./log-safe-url.ts";
import { withRetries } from "./retry.ts";
import type { AgentRuntime } from "./runtime.ts";
import { replySchema, textReply } from "./turn.ts";

export interface WebhookAgentOptions {
  url: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  attempts?: number;
  retryBaseDelayMs?: number;
}

/**
 * POSTs the turn JSON to `url`. 200 with a JSON content type → Reply JSON; any other 200 body is plain text;
 * 204 → no reply.
 * 5xx, 408, 429, timeouts and network errors are retried a few times with backoff and then reported as the agent
 * being unavailable (retryable); any other 4xx is permanent and never retried.
 */
export function createWebhookAgent(options: WebhookAgentOptions): AgentRuntime {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const where = logSafeUrl(options.url);
  return {
    kind: "webhook",
    acceptsEvents: true,
    run(turn, signal) {
      const attempt = async () => {
        let response: Response;
        try {
          response = await fetch(options.url, {
            method: "POST",
            headers: { "content-type": "application/json", ...options.headers },
            body: JSON.stringify(turn),
            signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          });
        } catch (error) {
          if (signal.aborted) throw error;
          const timedOut = error instanceof DOMException && error.name === "TimeoutError";
          throw new AgentError(
            timedOut ? "AGENT_TIMEOUT" : "AGENT_NETWORK_ERROR",
            timedOut
              ? `webhook agent ${where} did not answer within ${timeoutMs} ms: raise the agent's timeoutMs or speed it up`
              : `webhook agent ${where} unreachable: ${errorMessage(error)}`,
            { retryable: true, cause: error },
          );
        }
        if (response.status === 204) return undefined;
        const body = await response.text();
        if (!response.ok) {
          const retryable = isRetryableHttpStatus(response.status);
          throw new AgentError(
            "AGENT_HTTP_ERROR",
            `webhook agent ${where} answered HTTP ${response.status}${retryable ? "" : " (not retried)"}`,
            { retryable },
          );
        }
        const isJson = response.headers.get("content-type")?.includes("json") ?? false;
        // The content type is the declaration: a text/plain body is text even when it looks like Reply JSON.
        if (!isJson) return textReply(body);
        const parsed = replySchema.safeParse(body.trim() ? JSON.parse(body) : {});
        if (!parsed.success) {
          throw new AgentError(
            "AGENT_BAD_REPLY",
            `webhook agent ${where} answered JSON that is not a Reply: ${parsed.error.issues[0]?.message}`,
            {
              retryable: false,
            },
          );
        }
        return parsed.data;
      };
      return withRetries(attempt, {
        attempts: options.attempts ?? 3,
        baseDelayMs: options.retryBaseDelayMs ?? 500,
        signal,
      });
    },
  };
}
