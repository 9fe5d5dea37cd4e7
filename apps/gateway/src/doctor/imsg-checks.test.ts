import { resolveAccount, resolveRouting, validateConfig } from "@imessage-channel/config";
import type { ImsgCapabilities } from "@imessage-channel/rpc-client";
import { describe, expect, it } from "vitest";
import type { AccountFacts } from "./doctor-checks.ts";
import { checkAutomation, checkDatabase, checkImsgFound, checkImsgVersion } from "./imsg-checks.ts";

const capabilities: ImsgCapabilities = {
  version: "0.8.5",
  rpcSupported: true,
  rpcMethods: [],
  privateApi: { available: false, selectors: {} },
  problems: [],
};

function facts(platform: NodeJS.Platform, overrides: Partial<AccountFacts> = {}): AccountFacts {
  const config = validateConfig({ channels: { imessage: { cliPath: "/opt/imsg-over-ssh" } } }).config!;
  return {
    account: resolveAccount(config, "default"),
    routing: resolveRouting(config),
    platform,
    capabilities,
    launchError: undefined,
    chats: [],
    databaseError: undefined,
    sameDatabaseAs: undefined,
    ...overrides,
  };
}

describe("doctor: fixes fit where the gateway runs", () => {
  it("Full Disk Access: on a Mac the local app needs it; on Linux the Mac's SSH login does", () => {
    const denied = { chats: undefined, databaseError: "authorization denied (Full Disk Access)" };
    expect(checkDatabase(facts("darwin", denied))?.fix).toBe(
      "System Settings → Privacy & Security → Full Disk Access: allow the app that runs the gateway (Terminal or iTerm when started by hand, node when run by launchd), then restart it",
    );
    const linux = checkDatabase(facts("linux", denied))?.fix ?? "";
    expect(linux).toMatch(
      /^on the Mac: System Settings → Privacy & Security → Full Disk Access: allow sshd-keygen-wrapper/,
    );
    expect(linux).not.toContain("launchd");
  });

  it("imsg that does not run: on Linux the fix is an SSH wrapper cliPath or transport ssh, never brew here", () => {
    const broken = { capabilities: undefined, launchError: "exec format error" };
    expect(checkImsgFound(facts("darwin", broken))?.fix).toContain("point channels.imessage.cliPath at imsg");
    const linux = checkImsgFound(facts("linux", broken))?.fix ?? "";
    expect(linux).toContain("must be an SSH wrapper that runs imsg on the Mac");
    expect(linux).toContain('transport: "ssh"');
    const missing = { capabilities: undefined, launchError: "not found", launchErrorCode: "CLI_NOT_FOUND" };
    expect(checkImsgFound(facts("linux", missing))?.fix).toContain("SSH wrapper script");
    expect(checkImsgFound(facts("darwin", missing))?.fix).toMatch(/^install imsg \(brew install/);
  });

  it("upgrades and the Automation prompt happen on the Mac: off a Mac the fix says so", () => {
    expect(checkImsgVersion(facts("darwin"))?.fix).toMatch(/^upgrade imsg: brew upgrade/);
    expect(checkImsgVersion(facts("linux"))?.fix).toMatch(/^on the Mac: upgrade imsg: brew upgrade/);
    expect(checkAutomation(facts("darwin"))?.fix).toMatch(/^if the first send fails, run `imsg send/);
    expect(checkAutomation(facts("linux"))?.fix).toMatch(/^if the first send fails, on the Mac run `imsg send/);
  });
});
