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

/** Escapes text for an XML element: `&`, `<`, `>` and both quotes. */
export function escapeXml(text: string): string {
  if (forbiddenXmlCharacters.test(text)) {
    throw new Error(`${JSON.stringify(text)} contains a control character that a plist cannot hold; use another path`);
  }
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

const string = (value: string, indent: string) => `${indent}<string>${escapeXml(value)}</string>`;
const key = (name: string, indent: string) => `${indent}<key>${escapeXml(name)}</key>`;

/**
 * Pure: a launchd agent plist. It is loaded into the user's `gui/<uid>` domain, so it runs in the same login
 * session as the user and the Full Disk Access / Automation grants given to the Node binary apply.
 */
export function renderLaunchdPlist(definition: ServiceDefinition): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    key("Label", "  "),
    string(definition.label, "  "),
    key("ProgramArguments", "  "),
    "  <array>",
    ...definition.programArguments.map((argument) => string(argument, "    ")),
    "  </array>",
    key("EnvironmentVariables", "  "),
    "  <dict>",
    ...definition.environment.flatMap(([name, value]) => [key(name, "    "), string(value, "    ")]),
    "  </dict>",
    key("WorkingDirectory", "  "),
    string(definition.workingDirectory, "  "),
    key("RunAtLoad", "  "),
    "  <true/>",
    key("KeepAlive", "  "),
    "  <true/>",
    key("ThrottleInterval", "  "),
    `  <integer>${launchdThrottleIntervalSeconds}</integer>`,
    key("ExitTimeOut", "  "),
    `  <integer>${launchdExitTimeoutSeconds}</integer>`,
    key("StandardOutPath", "  "),
    string(definition.stdoutPath, "  "),
    key("StandardErrorPath", "  "),
    string(definition.stderrPath, "  "),
    "</dict>",
    "</plist>",
  ];
  return `${lines.join("\n")}\n`;
}
