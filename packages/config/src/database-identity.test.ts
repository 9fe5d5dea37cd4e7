import { describe, expect, it } from "vitest";
import { databaseIdentityOf, databaseKey } from "./database-identity.ts";
import { resolveAccount } from "./resolve-account.ts";
import type { Config } from "./schema.ts";
import { validateConfig } from "./validate-config.ts";

const home = { homeDirectory: "/Users/bot" };
const account = (keys: Record<string, unknown>) =>
  resolveAccount({ channels: { imessage: keys } } as Config, "default", home);

describe("databaseIdentityOf", () => {
  it("keeps the catchup hash input of a plain local account as it was", () => {
    expect(databaseIdentityOf(account({ cliPath: "~/bin/imsg" }))).toEqual({
      transport: "local",
      cliPath: "/Users/bot/bin/imsg",
      dbPath: undefined,
      remoteHost: undefined,
      remoteCliPath: "imsg",
    });
  });

  it("keeps the catchup hash input of a plain ssh account as it was", () => {
    expect(
      databaseIdentityOf(account({ transport: "ssh", remoteHost: "bot@mac-mini", dbPath: "/Users/bot/chat.db" })),
    ).toEqual({
      transport: "ssh",
      cliPath: "imsg",
      dbPath: "/Users/bot/chat.db",
      remoteHost: "bot@mac-mini",
      remoteCliPath: "imsg",
    });
  });

  it("puts a wrapper cliPath with remoteHost on the remote Mac", () => {
    const wrapper = account({ cliPath: "~/.imessage-channel/scripts/imsg-ssh", remoteHost: "bot@mac-mini" });
    expect(wrapper.transport).toBe("local");
    expect(databaseIdentityOf(wrapper)).toMatchObject({ transport: "ssh", remoteHost: "bot@mac-mini" });
  });
});

describe("databaseKey", () => {
  it("is the same for the ssh transport and a wrapper to the same Mac, whatever the local cliPath", () => {
    const ssh = databaseKey(databaseIdentityOf(account({ transport: "ssh", remoteHost: "bot@mac-mini" })));
    const wrapper = databaseKey(
      databaseIdentityOf(account({ cliPath: "~/.imessage-channel/scripts/imsg-ssh", remoteHost: "bot@mac-mini" })),
    );
    expect(wrapper).toBe(ssh);
    expect(ssh).toBe("ssh:bot@mac-mini|~/Library/Messages/chat.db");
  });

  it("tells local binaries, Macs and database paths apart, and treats an unset dbPath as imsg's default", () => {
    const key = (keys: Record<string, unknown>) => databaseKey(databaseIdentityOf(account(keys)));
    expect(key({})).toBe("local:imsg|~/Library/Messages/chat.db");
    expect(key({ dbPath: "~/Library/Messages/chat.db" })).toBe(key({}));
    expect(key({ cliPath: "/opt/imsg" })).not.toBe(key({}));
    expect(key({ dbPath: "/tmp/chat.db" })).not.toBe(key({}));
    expect(key({ transport: "ssh", remoteHost: "mac-a" })).not.toBe(key({ transport: "ssh", remoteHost: "mac-b" }));
  });
});

describe("the same-database warning", () => {
  it("warns for an ssh account and a wrapper account on the same Mac", () => {
    const result = validateConfig({
      channels: {
        imessage: {
          accounts: {
            viaSsh: { transport: "ssh", remoteHost: "bot@mac-mini" },
            viaWrapper: { cliPath: "/Users/bot/.imessage-channel/scripts/imsg-ssh", remoteHost: "bot@mac-mini" },
          },
        },
      },
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toContain(
      'accounts "viaSsh" and "viaWrapper" read the same Messages database; both would answer every message',
    );
  });
});
