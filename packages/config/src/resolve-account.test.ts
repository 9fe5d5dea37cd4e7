import { errorMessage } from "@imessage-channel/kit";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.ts";
import { listAccounts, resolveAccount, resolveAccountWithWarnings } from "./resolve-account.ts";
import { resolveRouting } from "./routing.ts";
import type { Config } from "./schema.ts";
import { validateConfig } from "./validate-config.ts";

const home = "/home/operator";
const parse = (raw: unknown): Config => {
  const result = validateConfig(raw);
  expect(result.errors).toEqual([]);
  return result.config!;
};
const resolveDefault = (raw: unknown) => resolveAccount(parse(raw), "default", { homeDirectory: home });

describe("resolveAccount defaults", () => {
  it("fills every key with the reference's defaults", () => {
    expect(resolveDefault({ channels: { imessage: {} } })).toEqual({
      accountId: "default",
      name: "default",
      enabled: true,
      transport: "local",
      cliPath: "imsg",
      remoteCliPath: "imsg",
      dbPath: null,
      remoteHost: null,
      ssh: { port: 22, identityFile: null, knownHostsFile: "/home/operator/.ssh/known_hosts", keepaliveSec: 15 },
      includeAttachments: false,
      attachmentRoots: ["/Users/*/Library/Messages/Attachments"],
      remoteAttachmentRoots: ["/Users/*/Library/Messages/Attachments"],
      outboundMediaRoots: [],
      dmPolicy: "pairing",
      allowFrom: [],
      groupPolicy: "allowlist",
      groupAllowFrom: null,
      groups: {},
      mediaMaxMb: 16,
      mediaMaxBytes: 16 * 1024 * 1024,
      textChunkLimit: 4000,
      chunkMode: "length",
      actions: {
        reactions: true,
        edit: true,
        unsend: true,
        reply: true,
        sendWithEffect: true,
        sendAttachment: true,
        renameGroup: true,
        setGroupIcon: true,
        addParticipant: true,
        removeParticipant: true,
        leaveGroup: true,
      },
      sendReadReceipts: true,
      errorReply: "Sorry, I couldn't answer that just now. Please try again in a moment.",
      configWrites: true,
      coalesceSameSenderDms: false,
      inboundDebounceMs: 0,
      catchup: {
        enabled: false,
        maxAgeMinutes: 120,
        perRunLimit: 50,
        firstRunLookbackMinutes: 30,
        maxFailureRetries: 10,
      },
      maxInboundAgeMinutes: 120,
      phoneRegion: "US",
      allowSmsSenders: false,
      reactionNotifications: "own",
      historyLimit: 50,
      dmHistoryLimit: 0,
      dms: {},
      pairing: {
        notifyOnApprove: true,
        approvedText:
          "You're approved: you can talk to the assistant now. Send /help to see what you can ask it to do.",
      },
    });
  });

  it("merges pairing field by field: an account can switch the approval notice off and keep the channel's text", () => {
    const config = parse({
      channels: {
        imessage: {
          pairing: { approvedText: "Welcome aboard." },
          accounts: { work: { pairing: { notifyOnApprove: false } } },
        },
      },
    });
    expect(resolveAccount(config, "work", { homeDirectory: home }).pairing).toEqual({
      notifyOnApprove: false,
      approvedText: "Welcome aboard.",
    });
  });

  it("expands ~ in gateway-local paths but leaves Mac-side paths alone", () => {
    const account = resolveDefault({
      channels: {
        imessage: {
          cliPath: "~/.imessage-channel/scripts/imsg-ssh",
          dbPath: "~/Library/Messages/chat.db",
          ssh: { identityFile: "~/.ssh/id_ed25519" },
        },
      },
    });
    expect(account.cliPath).toBe("/home/operator/.imessage-channel/scripts/imsg-ssh");
    expect(account.ssh.identityFile).toBe("/home/operator/.ssh/id_ed25519");
    expect(account.dbPath).toBe("~/Library/Messages/chat.db");
  });

  it("keeps an explicitly empty groupAllowFrom apart from an unset one", () => {
    expect(resolveDefault({ channels: { imessage: { groupAllowFrom: [] } } }).groupAllowFrom).toEqual([]);
  });
});

describe("catchup clamps", () => {
  const catchupOf = (catchup: unknown) => {
    const config = parse({ channels: { imessage: { catchup } } });
    return resolveAccountWithWarnings(config, "default", { homeDirectory: home });
  };

  it.each([
    [0, 1],
    [1, 1],
    [720, 720],
    [721, 720],
    [-5, 1],
  ])("clamps maxAgeMinutes %d to %d", (given, expected) => {
    expect(catchupOf({ maxAgeMinutes: given }).account.catchup.maxAgeMinutes).toBe(expected);
  });

  it.each([
    [0, 1],
    [500, 500],
    [501, 500],
  ])("clamps perRunLimit %d to %d", (given, expected) => {
    expect(catchupOf({ perRunLimit: given }).account.catchup.perRunLimit).toBe(expected);
  });

  it.each([
    [0, 1],
    [30, 30],
    [720, 720],
    [10_000, 720],
  ])("clamps firstRunLookbackMinutes %d to %d", (given, expected) => {
    expect(catchupOf({ firstRunLookbackMinutes: given }).account.catchup.firstRunLookbackMinutes).toBe(expected);
  });

  it.each([
    [0, 1],
    [-3, 1],
    [1000, 1000],
    [5000, 1000],
  ])("clamps maxFailureRetries %d to %d", (given, expected) => {
    expect(catchupOf({ maxFailureRetries: given }).account.catchup.maxFailureRetries).toBe(expected);
  });

  it("warns like the other clamps for the lookback and the retry count, naming the key that was set", () => {
    expect(catchupOf({ firstRunLookbackMinutes: 0, maxFailureRetries: 5000 }).warnings).toEqual([
      "channels.imessage.catchup.firstRunLookbackMinutes: 0 is outside 1..720; using 1",
      "channels.imessage.catchup.maxFailureRetries: 5000 is outside 1..1000; using 1000",
    ]);
    const config = parse({ channels: { imessage: { accounts: { work: { catchup: { maxFailureRetries: 0 } } } } } });
    expect(resolveAccountWithWarnings(config, "work", { homeDirectory: home }).warnings).toEqual([
      "channels.imessage.accounts.work.catchup.maxFailureRetries: 0 is outside 1..1000; using 1",
    ]);
  });

  it("says so in a warning when it clamps", () => {
    expect(catchupOf({ perRunLimit: 9000 }).warnings).toEqual([
      "channels.imessage.catchup.perRunLimit: 9000 is outside 1..500; using 500",
    ]);
    expect(catchupOf({ perRunLimit: 200 }).warnings).toEqual([]);
  });

  it("keeps the other catchup values as given", () => {
    const { catchup } = catchupOf({ enabled: true, firstRunLookbackMinutes: 5, maxFailureRetries: 3 }).account;
    expect(catchup).toEqual({
      enabled: true,
      maxAgeMinutes: 120,
      perRunLimit: 50,
      firstRunLookbackMinutes: 5,
      maxFailureRetries: 3,
    });
  });
});

describe("inbound debounce window", () => {
  it("is 0 ms when coalescing is off", () => {
    expect(resolveDefault({ channels: { imessage: {} } }).inboundDebounceMs).toBe(0);
  });

  it("widens to 2500 ms when coalescing is on and no window is set", () => {
    expect(resolveDefault({ channels: { imessage: { coalesceSameSenderDms: true } } }).inboundDebounceMs).toBe(2500);
  });

  it("uses messages.inbound.byChannel.imessage when set, whether coalescing or not", () => {
    const window = { messages: { inbound: { byChannel: { imessage: 4000 } } } };
    expect(
      resolveDefault({ ...window, channels: { imessage: { coalesceSameSenderDms: true } } }).inboundDebounceMs,
    ).toBe(4000);
    expect(resolveDefault({ ...window, channels: { imessage: {} } }).inboundDebounceMs).toBe(4000);
  });
});

describe("missing channels.imessage", () => {
  it("forces groupPolicy allowlist with a warning even when channels.defaults says open", () => {
    const config = parse({ channels: { defaults: { groupPolicy: "open", mediaMaxMb: 4 } } });
    const { account, warnings } = resolveAccountWithWarnings(config, "default");
    expect(account.groupPolicy).toBe("allowlist");
    expect(account.mediaMaxMb).toBe(4);
    expect(warnings).toEqual([
      'channels.imessage is missing: groupPolicy is "allowlist" although channels.defaults.groupPolicy is "open"; add a channels.imessage block to choose',
    ]);
  });

  it("warns even with no file content at all", () => {
    expect(validateConfig({}).warnings).toContain(
      'channels.imessage is missing: using defaults, groupPolicy "allowlist"',
    );
  });

  it("honours channels.defaults.groupPolicy once channels.imessage exists", () => {
    expect(resolveDefault({ channels: { defaults: { groupPolicy: "open" }, imessage: {} } }).groupPolicy).toBe("open");
  });
});

describe("account merging", () => {
  const config = () =>
    parse({
      channels: {
        defaults: { mediaMaxMb: 8, textChunkLimit: 2000, catchup: { enabled: true } },
        imessage: {
          cliPath: "/usr/local/bin/imsg",
          allowFrom: ["+15555550123"],
          textChunkLimit: 3000,
          ssh: { port: 2222 },
          catchup: { perRunLimit: 100 },
          groups: { "*": { systemPrompt: "channel-wide" } },
          accounts: {
            personal: {},
            bot: {
              cliPath: "/Users/bot/imsg-ssh",
              dbPath: "/Users/bot/Library/Messages/chat.db",
              allowFrom: ["friend@example.com"],
              ssh: { keepaliveSec: 5 },
              catchup: { maxAgeMinutes: 60 },
              groups: { "8421": { requireMention: true } },
            },
            off: { enabled: false, dbPath: "/Users/off/chat.db" },
          },
        },
      },
    });

  it("layers defaults, then channel, then account, key by key", () => {
    const bot = resolveAccount(config(), "bot");
    expect(bot.mediaMaxMb).toBe(8);
    expect(bot.textChunkLimit).toBe(3000);
    expect(bot.cliPath).toBe("/Users/bot/imsg-ssh");
    expect(bot.dbPath).toBe("/Users/bot/Library/Messages/chat.db");
    expect(bot.allowFrom).toEqual(["friend@example.com"]);
  });

  it("merges ssh and catchup field by field across layers", () => {
    const bot = resolveAccount(config(), "bot");
    expect(bot.ssh.port).toBe(2222);
    expect(bot.ssh.keepaliveSec).toBe(5);
    expect(bot.catchup).toMatchObject({ enabled: true, perRunLimit: 100, maxAgeMinutes: 60 });
  });

  it("replaces the whole groups registry when an account sets one", () => {
    expect(resolveAccount(config(), "bot").groups).toEqual({ "8421": { requireMention: true } });
    expect(resolveAccount(config(), "personal").groups).toEqual({ "*": { systemPrompt: "channel-wide" } });
  });

  it("takes outboundMediaRoots from the channel, replaced as a whole by an account", () => {
    const roots = parse({
      channels: {
        imessage: {
          outboundMediaRoots: ["/srv/agent-files"],
          accounts: { a: {}, b: { outboundMediaRoots: ["~/out"] } },
        },
      },
    });
    expect(resolveAccount(roots, "a").outboundMediaRoots).toEqual(["/srv/agent-files"]);
    expect(resolveAccount(roots, "b").outboundMediaRoots).toEqual(["~/out"]);
  });

  it("lists only enabled accounts, named by their ids", () => {
    expect(listAccounts(config()).map((account) => account.accountId)).toEqual(["personal", "bot"]);
  });

  it("lists the implicit default account when there is no accounts block", () => {
    expect(listAccounts(parse({ channels: { imessage: {} } })).map((account) => account.accountId)).toEqual([
      "default",
    ]);
  });

  it("lists nothing when the channel is disabled, whatever the accounts say", () => {
    const disabled = parse({ channels: { imessage: { enabled: false, accounts: { a: { enabled: true } } } } });
    expect(listAccounts(disabled)).toEqual([]);
  });

  it("refuses an undeclared account id with a typed error", () => {
    const error = (() => {
      try {
        resolveAccount(config(), "default");
      } catch (caught) {
        return caught;
      }
    })();
    expect(ConfigError.isInstance(error) && error.code).toBe("ACCOUNT_UNKNOWN");
    expect(errorMessage(error)).toBe('account "default" is not configured; known accounts: personal, bot, off');
  });
});

describe("resolveRouting", () => {
  it("defaults to the main agent, main DM scope, no patterns and no chat config writes", () => {
    expect(resolveRouting(parse({}))).toEqual({
      agents: [],
      defaultAgentId: "main",
      bindings: [],
      mentionPatterns: [],
      dmScope: "main",
      commandsConfig: false,
      ownerAllowFrom: [],
    });
  });

  it("picks the agent marked default, else the first one", () => {
    const echo = { type: "echo" };
    const marked = parse({
      agents: {
        list: [
          { id: "a", runtime: echo },
          { id: "b", default: true, runtime: echo },
        ],
      },
    });
    expect(resolveRouting(marked).defaultAgentId).toBe("b");
    const unmarked = parse({
      agents: {
        list: [
          { id: "a", runtime: echo },
          { id: "b", runtime: echo },
        ],
      },
    });
    expect(resolveRouting(unmarked).defaultAgentId).toBe("a");
  });
});
