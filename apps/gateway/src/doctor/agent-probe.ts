import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { logSafeUrl } from "@imessage-channel/agents";
import { resolveAcpAgentCommand } from "@imessage-channel/agents-acp";
import type { AgentConfig, ResolvedRouting } from "@imessage-channel/config";
import { errorMessage } from "@imessage-channel/kit";
import { findProgram, type ProgramLookup } from "../find-program.ts";

/** Every probe gives up after this: doctor must answer quickly even when an agent's host drops packets. */
export const agentProbeTimeoutMs = 2000;

/** What one HTTP request to the agent's server came back with (never its body). */
export type HttpProbe =
  | { kind: "answered"; method: "HEAD" | "GET"; status: number }
  | { kind: "unreachable"; method: "HEAD" | "GET"; reason: string; timedOut: boolean };

/** What the doctor found out about one agent of `agents.list`; `agent-checks.ts` judges it. */
export type AgentFacts = {
  agentId: string;
  /** Its place in `agents.list` (0 for the echo agent the gateway falls back to when the list is empty). */
  index: number;
  isDefault: boolean;
  configured: boolean;
} & (
  | { type: "echo" }
  | { type: "webhook"; origin: string; probe: HttpProbe }
  | { type: "openai"; origin: string; apiKeyEnv: string | undefined; apiKeySet: boolean; probe: HttpProbe }
  | { type: "exec"; program: ProgramLookup; cwd?: { path: string; exists: boolean } }
  | {
      type: "acp";
      agent: string;
      program?: ProgramLookup;
      commandProblem?: string;
      cwd?: { path: string; exists: boolean };
    }
);

export interface AgentProbeContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * One request to the agent's server, never a turn: any HTTP answer proves something listens. Redirects are not
 * followed, so configured headers never travel to another host; the answer's body is not read.
 */
export async function probeHttp(url: string, method: "HEAD" | "GET", headers: Record<string, string>) {
  try {
    const response = await fetch(url, {
      method,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(agentProbeTimeoutMs),
    });
    await response.body?.cancel();
    return { kind: "answered", method, status: response.status } satisfies HttpProbe;
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    return { kind: "unreachable", method, reason: unreachableReason(error, url), timedOut } satisfies HttpProbe;
  }
}

/** fetch says "fetch failed" and keeps the socket's reason (`connect ECONNREFUSED 127.0.0.1:9`) in its cause. */
function unreachableReason(error: unknown, url: string): string {
  const cause = (error as { cause?: unknown }).cause;
  const text = errorMessage(cause ?? error) ?? "no answer";
  // The URL's path and query may hold a token: never repeat them.
  return text.replaceAll(url, logSafeUrl(url));
}

async function folder(path: string | undefined, cwd: string) {
  if (path === undefined) return undefined;
  const absolute = resolve(cwd, path);
  const exists = await stat(absolute).then(
    (info) => info.isDirectory(),
    () => false,
  );
  return { path: absolute, exists };
}

/** The agents the gateway would run: `agents.list`, or the echo agent "main" it falls back to when there is none. */
function agentsToCheck(routing: ResolvedRouting): Array<{ config: AgentConfig; configured: boolean }> {
  if (routing.agents.length === 0)
    return [{ config: { id: "main", default: true, runtime: { type: "echo" } }, configured: false }];
  return routing.agents.map((config) => ({ config, configured: true }));
}

async function agentFacts(
  config: AgentConfig,
  base: { agentId: string; index: number; isDefault: boolean; configured: boolean },
  context: AgentProbeContext,
): Promise<AgentFacts> {
  const runtime = config.runtime;
  switch (runtime.type) {
    case "echo":
      return { ...base, type: "echo" };
    case "webhook":
      return {
        ...base,
        type: "webhook",
        origin: logSafeUrl(runtime.url),
        probe: await probeHttp(runtime.url, "HEAD", runtime.headers ?? {}),
      };
    case "openai": {
      const apiKey = runtime.apiKeyEnv ? context.env[runtime.apiKeyEnv] : undefined;
      const models = `${runtime.baseUrl.replace(/\/+$/, "")}/models`;
      return {
        ...base,
        type: "openai",
        origin: logSafeUrl(runtime.baseUrl),
        apiKeyEnv: runtime.apiKeyEnv,
        apiKeySet: Boolean(apiKey?.trim()),
        probe: await probeHttp(models, "GET", apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      };
    }
    case "exec": {
      const cwd = await folder(runtime.cwd, context.cwd);
      const searchPath = runtime.env?.PATH ?? context.env.PATH;
      const program = await findProgram(runtime.command[0] ?? "", searchPath, cwd?.path ?? context.cwd);
      return { ...base, type: "exec", program, ...(cwd ? { cwd } : {}) };
    }
    case "acp": {
      const acp = runtime.acp;
      const cwd = await folder(acp.cwd, context.cwd);
      const facts = { ...base, type: "acp" as const, agent: acp.agent, ...(cwd ? { cwd } : {}) };
      let command: string[];
      try {
        command = resolveAcpAgentCommand(acp.agent, acp.command);
      } catch (error) {
        return { ...facts, commandProblem: errorMessage(error) };
      }
      const searchPath = acp.env?.PATH ?? context.env.PATH;
      return { ...facts, program: await findProgram(command[0] ?? "", searchPath, cwd?.path ?? context.cwd) };
    }
  }
}

/** Looks at every agent at once (probes run in parallel, each bounded by `agentProbeTimeoutMs`). */
export function gatherAgentFacts(routing: ResolvedRouting, context: AgentProbeContext): Promise<AgentFacts[]> {
  return Promise.all(
    agentsToCheck(routing).map(({ config, configured }, index) =>
      agentFacts(
        config,
        { agentId: config.id, index, isDefault: config.id === routing.defaultAgentId, configured },
        context,
      ),
    ),
  );
}
