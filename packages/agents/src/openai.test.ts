import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorMessage } from "@imessage-channel/kit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentError } from "./agent-error.ts";
import { createOpenAiAgent } from "./openai.ts";
import { type LoopbackServer, sendJson, startLoopbackServer } from "./test-support/http-server.ts";
import { sampleTurn } from "./test-support/turns.ts";

let server: LoopbackServer;
let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "openai-agent-"));
  server = await startLoopbackServer((request, response) => {
    const body = JSON.parse(request.body) as { messages: Array<{ content: string }> };
    sendJson(response, 200, {
      choices: [{ message: { role: "assistant", content: `answer ${body.messages.length}` } }],
    });
  });
});
afterEach(async () => {
  await server.close();
  await rm(stateDir, { recursive: true, force: true });
});

const requestBody = (index: number) =>
  JSON.parse(server.requests[index]?.body ?? "") as {
    model: string;
    messages: Array<{ role: string; content: string }>;
  };

describe("openai agent", () => {
  it("sends the system prompt, keeps history per session and uses the key from the environment", async () => {
    const agent = createOpenAiAgent({
      baseUrl: `${server.url}/v1/`,
      model: "test-model",
      apiKeyEnv: "TEST_OPENAI_KEY",
      env: { TEST_OPENAI_KEY: "sk-secret" },
      stateDir,
    });
    const signal = new AbortController().signal;
    const turn = sampleTurn({ sessionKey: "agent:main:imessage:group:8421", systemPrompt: "Be brief.", text: "one" });
    expect(await agent.run(turn, signal)).toEqual({ text: "answer 2" });
    expect(await agent.run({ ...turn, text: "two" }, signal)).toEqual({ text: "answer 4" });
    expect(server.requests[0]?.url).toBe("/v1/chat/completions");
    expect(server.requests[0]?.headers.authorization).toBe("Bearer sk-secret");
    expect(requestBody(1)).toEqual({
      model: "test-model",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "one" },
        { role: "assistant", content: "answer 2" },
        { role: "user", content: "two" },
      ],
    });
    await agent.run({ ...turn, sessionKey: "agent:main:main", text: "other" }, signal);
    expect(requestBody(2).messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "other" },
    ]);
  });

  it("bounds the history and forgets it on reset", async () => {
    const agent = createOpenAiAgent({ baseUrl: server.url, model: "m", maxHistory: 2, stateDir });
    const signal = new AbortController().signal;
    for (const text of ["a", "b", "c"]) await agent.run(sampleTurn({ text }), signal);
    expect(requestBody(2).messages.map((message) => message.content)).toEqual(["b", "answer 3", "c"]);
    await agent.reset?.("agent:main:main");
    await agent.run(sampleTurn({ text: "fresh" }), signal);
    expect(requestBody(3).messages).toEqual([{ role: "user", content: "fresh" }]);
  });

  it.each([
    [500, true, 3],
    [503, true, 3],
    [408, true, 3],
    [429, true, 3],
    [400, false, 1],
    [401, false, 1],
    [404, false, 1],
    [422, false, 1],
  ])("HTTP %i: unavailable (retried) is %s, after %i request(s)", async (status, retryable, requests) => {
    const failing = await startLoopbackServer((_request, response) => sendJson(response, status, {}));
    try {
      const agent = createOpenAiAgent({ baseUrl: failing.url, model: "m", stateDir, retryBaseDelayMs: 1 });
      const error = await agent.run(sampleTurn(), new AbortController().signal).catch((caught: unknown) => caught);
      expect(AgentError.isInstance(error) && { code: error.code, retryable: error.retryable }).toEqual({
        code: "AGENT_HTTP_ERROR",
        retryable,
      });
      expect(failing.requests).toHaveLength(requests);
    } finally {
      await failing.close();
    }
  });

  it("reports an unreachable endpoint as unavailable", async () => {
    const agent = createOpenAiAgent({ baseUrl: "http://127.0.0.1:9", model: "m", stateDir, retryBaseDelayMs: 1 });
    const error = await agent.run(sampleTurn(), new AbortController().signal).catch((caught: unknown) => caught);
    expect(AgentError.isInstance(error) && { code: error.code, retryable: error.retryable }).toEqual({
      code: "AGENT_NETWORK_ERROR",
      retryable: true,
    });
  });

  it("names only the endpoint's origin when it fails: a secret in the base URL's path stays out", async () => {
    const failing = await startLoopbackServer((_request, response) => sendJson(response, 404, {}));
    try {
      const agent = createOpenAiAgent({ baseUrl: `${failing.url}/v1/SECRET-path`, model: "m", stateDir });
      const error = await agent.run(sampleTurn(), new AbortController().signal).catch((caught: unknown) => caught);
      expect(errorMessage(error)).toBe(`openai agent ${failing.url} answered HTTP 404`);
      expect(failing.requests[0]?.url).toBe("/v1/SECRET-path/chat/completions");
    } finally {
      await failing.close();
    }
  });
});
