import { cursorFilePath, databaseIdentityHash } from "@imessage-channel/catchup";
import { type Config, databaseIdentityOf, databaseKey, resolveAccount, validateConfig } from "@imessage-channel/config";
import { describe, expect, it } from "vitest";

// The gateway's startup refusal and doctor compare databaseKey(databaseIdentityOf(account)); the catchup cursor file
// and the saved live cursor are keyed by databaseIdentityHash(databaseIdentityOf(account)); validation warns on the
// same key. These tests pin that the three agree, and that the cursor file names of existing accounts did not move.
const config = {
  channels: {
    imessage: {
      accounts: {
        viaSsh: { transport: "ssh", remoteHost: "bot@mac-mini" },
        viaWrapper: { cliPath: "/Users/bot/.imessage-channel/scripts/imsg-ssh", remoteHost: "bot@mac-mini" },
        local: { cliPath: "/opt/homebrew/bin/imsg" },
      },
    },
  },
} as Config;
const account = (id: string) => resolveAccount(config, id, { homeDirectory: "/Users/bot" });

describe("database identity across validation, startup, doctor and the cursors", () => {
  it("treats a wrapper cliPath with remoteHost as the remote Mac everywhere", () => {
    expect(validateConfig(config).warnings).toContain(
      'accounts "viaSsh" and "viaWrapper" read the same Messages database; both would answer every message',
    );
    expect(databaseKey(databaseIdentityOf(account("viaWrapper")))).toBe(
      databaseKey(databaseIdentityOf(account("viaSsh"))),
    );
    const wrapperIdentity = databaseIdentityOf(account("viaWrapper"));
    expect(wrapperIdentity.transport).toBe("ssh");
    expect(databaseIdentityHash(wrapperIdentity)).toBe(
      databaseIdentityHash({ ...databaseIdentityOf(account("viaSsh")), cliPath: wrapperIdentity.cliPath }),
    );
  });

  it("keeps the cursor file names of plain local and plain ssh accounts", () => {
    // Hashes of the identity as account-runner built it before the one databaseIdentityOf existed.
    expect(databaseIdentityHash({ transport: "local", cliPath: "/opt/homebrew/bin/imsg", remoteCliPath: "imsg" })).toBe(
      databaseIdentityHash(databaseIdentityOf(account("local"))),
    );
    expect(
      databaseIdentityHash({ transport: "ssh", cliPath: "imsg", remoteHost: "bot@mac-mini", remoteCliPath: "imsg" }),
    ).toBe(databaseIdentityHash(databaseIdentityOf(account("viaSsh"))));
    expect(cursorFilePath("/state", "local", databaseIdentityOf(account("local")))).toBe(
      "/state/imessage/catchup/local__27d36d1a96aca1e1.json",
    );
    expect(cursorFilePath("/state", "viaSsh", databaseIdentityOf(account("viaSsh")))).toBe(
      "/state/imessage/catchup/viaSsh__8fa81452a3469df3.json",
    );
  });
});
