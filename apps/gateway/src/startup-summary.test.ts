import { resolveAccount, resolveRouting, validateConfig } from "@imessage-channel/config";
import { describe, expect, it } from "vitest";
import { logFilePath, serviceManagerOf, startupSummary } from "./startup-summary.ts";

const raw = {
  channels: { imessage: { cliPath: "/opt/imsg", dmPolicy: "allowlist", allowFrom: ["+15555550123"] } },
  agents: {
    list: [{ id: "main", default: true, runtime: { type: "webhook", url: "https://hooks.example.com/T1/B2/secret" } }],
  },
};

function summary(env: NodeJS.ProcessEnv, logFile = true) {
  const { config } = validateConfig(raw);
  if (!config) throw new Error("the test config is invalid");
  return startupSummary({
    configPath: "/etc/imessage-channel.json5",
    stateDir: "/var/state",
    accounts: [resolveAccount(config, "default")],
    routing: resolveRouting(config),
    ...(logFile ? { logFile: { path: logFilePath("/var/state"), maxBytes: 10 * 1024 * 1024, maxFiles: 3 } } : {}),
    env,
  });
}

describe("start-up summary", () => {
  it("names the config file, the log file, the agents (URLs by origin only) and each account's imsg and policies", () => {
    expect(summary({})).toEqual([
      "config /etc/imessage-channel.json5; state dir /var/state",
      "logs: stdout and /var/state/logs/gateway.log (3 files of 10 MB; imessage-channel logs -f)",
      "agents: main (webhook https://hooks.example.com, default)",
      "account default: imsg /opt/imsg; dmPolicy allowlist (1 allowed), groupPolicy allowlist (1 allowed), catchup off",
    ]);
  });

  it("says where stdout goes under systemd and under launchd, and when there is no log file", () => {
    expect(summary({ INVOCATION_ID: "abc" })[1]).toContain(
      "the systemd journal (journalctl --user -u imessage-channel.service -f)",
    );
    expect(summary({ XPC_SERVICE_NAME: "dev.imessage-channel.gateway" })[1]).toContain(
      "launchd's StandardOutPath (/var/state/logs/gateway.out.log",
    );
    // A Terminal shell on macOS has XPC_SERVICE_NAME=0: not launchd's.
    expect(serviceManagerOf({ XPC_SERVICE_NAME: "0" })).toBeUndefined();
    expect(summary({}, false)[1]).toBe("logs: stdout (logging.file is off)");
  });
});
