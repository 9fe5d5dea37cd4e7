import { build } from "plist";
import type { ServiceDefinition } from "./service-definition.ts";

/** Seconds launchd waits before starting the agent again after it exited (its own default is 10). */
export const launchdThrottleIntervalSeconds = 10;
/**
 * Seconds launchd waits after SIGTERM before SIGKILL (its default, written out): above the largest
 * `shutdown.timeoutSeconds`, so a bounded shutdown always finishes first.
 */
export const launchdExitTimeoutSeconds = 20;

// XML 1.0 cannot carry these at all, escaped or not.
const forbiddenXmlCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Refuses, naming the value and the fix, a string XML cannot hold (plist escapes `&`, `<` and `>` itself). */
function plistString(text: string): string {
  if (forbiddenXmlCharacters.test(text)) {
    throw new Error(`${JSON.stringify(text)} contains a control character that a plist cannot hold; use another path`);
  }
  return text;
}

/**
 * Pure: a launchd agent plist. It is loaded into the user's `gui/<uid>` domain, so it runs in the same login
 * session as the user and the Full Disk Access / Automation grants given to the Node binary apply.
 */
export function renderLaunchdPlist(definition: ServiceDefinition): string {
  const environment: Record<string, string> = {};
  for (const [name, value] of definition.environment) environment[plistString(name)] = plistString(value);
  const agent = {
    Label: plistString(definition.label),
    ProgramArguments: definition.programArguments.map(plistString),
    EnvironmentVariables: environment,
    WorkingDirectory: plistString(definition.workingDirectory),
    RunAtLoad: true,
    KeepAlive: true,
    ThrottleInterval: launchdThrottleIntervalSeconds,
    ExitTimeOut: launchdExitTimeoutSeconds,
    StandardOutPath: plistString(definition.stdoutPath),
    StandardErrorPath: plistString(definition.stderrPath),
  };
  return `${build(agent, { indent: "  " })}\n`;
}
