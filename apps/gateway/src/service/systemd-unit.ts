import type { ServiceDefinition } from "./service-definition.ts";

/** `RestartSteps` and `RestartMaxDelaySec` (exponential restart backoff) exist from systemd 254 on. */
export const systemdBackoffMinimumVersion = 254;
export const restartSeconds = 5;
export const restartSteps = 10;
export const restartMaxDelaySeconds = 300;

function rejectLineBreaks(value: string): string {
  if (/[\n\r\0]/.test(value)) {
    throw new Error(
      `${JSON.stringify(value)} contains a line break or NUL that a unit file cannot hold; use another path`,
    );
  }
  return value;
}

/** `%` starts a specifier in every unit setting; `%%` is a literal percent sign. */
const escapeSpecifiers = (value: string) => value.replaceAll("%", "%%");

/**
 * The executable of `ExecStart=`: systemd expands no variables there but refuses quotes, apostrophes and
 * backslashes in an executable name outright, so those are an error here rather than a unit that never starts.
 */
export function quoteExecutable(path: string): string {
  if (/["'\\]/.test(path)) {
    throw new Error(
      `${JSON.stringify(path)} contains a quote or backslash, which systemd refuses in an executable name; run Node from a path without them`,
    );
  }
  return `"${escapeSpecifiers(rejectLineBreaks(path))}"`;
}

/** One `ExecStart=` argument: double-quoted, C-style escapes, `$` doubled so no variable is expanded. */
export function quoteExecArgument(value: string): string {
  const escaped = escapeSpecifiers(rejectLineBreaks(value))
    .replaceAll("\\", "\\\\")
    .replaceAll('"', '\\"')
    .replaceAll("$", () => "$$");
  return `"${escaped}"`;
}

/** One `Environment=` assignment, quoted as a whole (`$` is not expanded there). */
export function quoteEnvironmentAssignment(name: string, value: string): string {
  const escaped = escapeSpecifiers(rejectLineBreaks(`${name}=${value}`))
    .replaceAll("\\", "\\\\")
    .replaceAll('"', '\\"');
  return `"${escaped}"`;
}

/** Seconds systemd waits after SIGTERM before SIGKILL: above the largest `shutdown.timeoutSeconds`. */
export const systemdStopTimeoutSeconds = 30;

export interface SystemdRenderOptions {
  /** The major version of the systemd that will load the unit; undefined when unknown (the backoff keys are written). */
  systemdVersion?: number;
}

/** Pure: a systemd user unit. `WantedBy=default.target` starts it with the user's manager (at boot with lingering). */
export function renderSystemdUnit(definition: ServiceDefinition, options: SystemdRenderOptions = {}): string {
  const account = definition.accountId ? ` (account ${definition.accountId})` : "";
  const backoff =
    options.systemdVersion === undefined || options.systemdVersion >= systemdBackoffMinimumVersion
      ? [`RestartSteps=${restartSteps}`, `RestartMaxDelaySec=${restartMaxDelaySeconds}`]
      : [];
  const [executable, ...argumentsAfter] = definition.programArguments;
  const lines = [
    "[Unit]",
    `Description=${escapeSpecifiers(rejectLineBreaks(`imessage-channel gateway${account}`))}`,
    "Documentation=https://www.npmjs.com/package/imessage-channel",
    // Never give up restarting: a Mac that is asleep or a network outage must not need a manual start.
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${[quoteExecutable(executable ?? ""), ...argumentsAfter.map(quoteExecArgument)].join(" ")}`,
    // A path setting: taken literally up to the line end (quotes would become part of it), specifiers still apply.
    `WorkingDirectory=${escapeSpecifiers(rejectLineBreaks(definition.workingDirectory))}`,
    ...definition.environment.map(([name, value]) => `Environment=${quoteEnvironmentAssignment(name, value)}`),
    "Restart=on-failure",
    `RestartSec=${restartSeconds}`,
    ...backoff,
    // The gateway's shutdown is bounded by shutdown.timeoutSeconds (at most 15), well inside this.
    `TimeoutStopSec=${systemdStopTimeoutSeconds}`,
    "",
    "[Install]",
    "WantedBy=default.target",
  ];
  return `${lines.join("\n")}\n`;
}
