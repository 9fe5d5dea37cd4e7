import type { ProgramLookup } from "../find-program.ts";
import { type AgentFacts, agentProbeTimeoutMs, type HttpProbe } from "./agent-probe.ts";
import type { DoctorCheck } from "./doctor-checks.ts";

const otherRuntimes = "an exec, webhook, openai or acp runtime";

/** The config key of the agent's runtime (or one of its keys), as config errors name it. */
function runtimeKey(facts: AgentFacts, key = ""): string {
  return `agents.list[${facts.index}].runtime${key}`;
}

/** The echo agent answers with the sender's own words: fine for a demo, not what an operator means to deploy. */
function checkEcho(facts: AgentFacts & { type: "echo" }): DoctorCheck {
  if (!facts.configured)
    return {
      id: "agent-echo",
      status: "warn",
      message:
        'no agents configured (agents.list): every chat is answered by the echo agent "main", which repeats what it got',
      fix: `add an agent with ${otherRuntimes} to agents.list`,
    };
  if (!facts.isDefault)
    return {
      id: "agent-echo",
      status: "info",
      message: `agent "${facts.agentId}" is the echo agent: the chats bound to it get their own words back`,
    };
  return {
    id: "agent-echo",
    status: "warn",
    message: `the default agent "${facts.agentId}" is the echo agent: every chat no binding sends elsewhere gets its own words back`,
    fix: `set ${runtimeKey(facts)} to ${otherRuntimes} (config import writes echo for an agent it cannot carry)`,
  };
}

/** Whether an HTTP status proves the server is there: a POST-only endpoint may well refuse HEAD (404, 405, 501). */
function reachable(
  probe: HttpProbe,
  what: string,
  origin: string,
  fix: { unreachable: string; refused: string; refusedFails: boolean },
) {
  const asked = `${probe.method} ${origin}`;
  if (probe.kind === "unreachable") {
    return {
      id: "agent-reachable",
      status: "fail",
      message: probe.timedOut
        ? `${what}: ${asked} got no answer within ${agentProbeTimeoutMs / 1000} s`
        : `${what}: ${asked} could not connect (${probe.reason})`,
      fix: fix.unreachable,
    } satisfies DoctorCheck;
  }
  const { status } = probe;
  if (status === 401 || status === 403) {
    return {
      id: "agent-reachable",
      status: fix.refusedFails ? "fail" : "warn",
      message: `${what}: ${asked} answered ${status}: the server refuses our credentials`,
      fix: fix.refused,
    } satisfies DoctorCheck;
  }
  if (status >= 500 && status !== 501) {
    return {
      id: "agent-reachable",
      status: "warn",
      message: `${what}: ${asked} answered ${status}: the server is up but failing`,
      fix: "check the agent server's own logs; turns are retried while it answers 5xx (agents.retry.maxMinutes)",
    } satisfies DoctorCheck;
  }
  return {
    id: "agent-reachable",
    status: "ok",
    message: `${what}: ${asked} answered ${status} (reachable; no turn was sent)`,
  } satisfies DoctorCheck;
}

function checkProgram(facts: AgentFacts, what: string, program: ProgramLookup, key: string): DoctorCheck {
  if (program.foundAt) {
    const found = program.foundAt === program.program ? "exists and is executable" : `is ${program.foundAt}`;
    return { id: "agent-program", status: "ok", message: `${what}: ${program.program} ${found}` };
  }
  const where = program.program.includes("/") ? "does not exist or is not executable" : "is not on PATH";
  return {
    id: "agent-program",
    status: "fail",
    message: `${what}: ${program.program} ${where}, so every turn of agent "${facts.agentId}" fails`,
    fix: `install it, or set ${key} to its absolute path (the service runs with a short PATH)`,
  };
}

function checkCwd(what: string, cwd: { path: string; exists: boolean } | undefined, key: string) {
  if (!cwd || cwd.exists) return undefined;
  return {
    id: "agent-cwd",
    status: "fail",
    message: `${what}: its working directory ${cwd.path} does not exist`,
    fix: `create it, or fix ${key}`,
  } satisfies DoctorCheck;
}

/** Every check of one agent, in the order an operator fixes things. Pure: the probes already ran. */
export function agentChecks(facts: AgentFacts): DoctorCheck[] {
  switch (facts.type) {
    case "echo":
      return [checkEcho(facts)];
    case "webhook":
      return [
        reachable(facts.probe, "webhook agent", facts.origin, {
          unreachable: `start the agent's server, or fix ${runtimeKey(facts, ".url")}`,
          refused: `check ${runtimeKey(facts, ".headers")} (the authorization the server expects)`,
          refusedFails: false,
        }),
      ];
    case "openai": {
      const checks: DoctorCheck[] = [];
      if (facts.apiKeyEnv && !facts.apiKeySet) {
        checks.push({
          id: "agent-api-key",
          status: "fail",
          message: `openai agent: $${facts.apiKeyEnv} (apiKeyEnv) is not set in this environment, so requests carry no key`,
          fix: `export ${facts.apiKeyEnv} in the environment the gateway runs in (for the service: its unit or plist), or fix ${runtimeKey(facts, ".apiKeyEnv")}`,
        });
      } else if (facts.apiKeyEnv) {
        checks.push({ id: "agent-api-key", status: "ok", message: `openai agent: $${facts.apiKeyEnv} is set` });
      }
      const keyMissing = Boolean(facts.apiKeyEnv) && !facts.apiKeySet;
      const { probe } = facts;
      // The request goes to `<baseUrl>/models`; only the origin is shown, as in the logs.
      const shown = `${facts.origin}/…/models`;
      if (keyMissing && probe.kind === "answered" && (probe.status === 401 || probe.status === 403)) {
        // Without the key a refusal is expected, and the api-key check above already fails.
        checks.push({
          id: "agent-reachable",
          status: "ok",
          message: `openai agent: GET ${shown} answered ${probe.status} (reachable; it wants the key above)`,
        });
        return checks;
      }
      checks.push(
        reachable(probe, "openai agent", shown, {
          unreachable: `start the endpoint, or fix ${runtimeKey(facts, ".baseUrl")}`,
          refused: facts.apiKeyEnv
            ? `the key in $${facts.apiKeyEnv} is refused: replace it, or fix ${runtimeKey(facts, ".apiKeyEnv")}`
            : `set ${runtimeKey(facts, ".apiKeyEnv")} to the environment variable that holds the endpoint's API key`,
          refusedFails: true,
        }),
      );
      return checks;
    }
    case "exec":
      return [
        checkProgram(facts, "exec agent", facts.program, runtimeKey(facts, ".command[0]")),
        checkCwd("exec agent", facts.cwd, runtimeKey(facts, ".cwd")),
      ].filter((check): check is DoctorCheck => check !== undefined);
    case "acp": {
      const what = `acp agent ${facts.agent}`;
      const checks: Array<DoctorCheck | undefined> = [checkCwd(what, facts.cwd, runtimeKey(facts, ".acp.cwd"))];
      if (facts.commandProblem)
        checks.unshift({
          id: "agent-program",
          status: "fail",
          message: `${what}: ${facts.commandProblem}`,
          fix: `set ${runtimeKey(facts, ".acp.command")} to the adapter's argv`,
        });
      else if (facts.program)
        checks.unshift(checkProgram(facts, what, facts.program, runtimeKey(facts, ".acp.command[0]")));
      return checks.filter((check): check is DoctorCheck => check !== undefined);
    }
  }
}
