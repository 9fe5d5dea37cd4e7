import { describe, expect, it } from "vitest";
import { validateConfig } from "./validate-config.ts";

const echo = { type: "echo" };

// Each bad config and the exact one-line problems it must produce: key path, bad value, what is allowed.
const badConfigs: Array<[string, unknown, string[]]> = [
  [
    "a misspelled dmPolicy value",
    { channels: { imessage: { dmPolicy: "opn" } } },
    ['channels.imessage.dmPolicy: "opn" is not one of pairing | allowlist | open | disabled (did you mean "open"?)'],
  ],
  [
    "a misspelled key",
    { channels: { imessage: { dmPolcy: "open" } } },
    ['channels.imessage.dmPolcy: unknown key; did you mean "dmPolicy"?'],
  ],
  ["a misspelled channel", { channels: { imessge: {} } }, ['channels.imessge: unknown key; did you mean "imessage"?']],
  [
    "an empty approval notice and a misspelled pairing key",
    { channels: { imessage: { pairing: { approvedText: " ", notifyOnApprov: false } } } },
    [
      'channels.imessage.pairing.approvedText: " " is empty; expected a non-empty string',
      'channels.imessage.pairing.notifyOnApprov: unknown key; did you mean "notifyOnApprove"?',
    ],
  ],
  [
    "a DM-only policy used for groups",
    { channels: { imessage: { groupPolicy: "pairing" } } },
    ['channels.imessage.groupPolicy: "pairing" is not one of allowlist | open | disabled'],
  ],
  [
    "a string where a number belongs",
    { channels: { imessage: { mediaMaxMb: "big" } } },
    ['channels.imessage.mediaMaxMb: "big" is not a number'],
  ],
  [
    "a zero media cap",
    { channels: { imessage: { mediaMaxMb: 0 } } },
    ["channels.imessage.mediaMaxMb: 0 is too small; expected more than 0"],
  ],
  [
    "a fractional chunk limit",
    { channels: { imessage: { textChunkLimit: 12.5 } } },
    ["channels.imessage.textChunkLimit: 12.5 is not an integer"],
  ],
  [
    "an unknown chunk mode",
    { channels: { imessage: { chunkMode: "paragraph" } } },
    ['channels.imessage.chunkMode: "paragraph" is not one of length | newline'],
  ],
  [
    "ssh options smuggled into remoteHost",
    { channels: { imessage: { remoteHost: "bot@mac -p 2222" } } },
    ['channels.imessage.remoteHost: "bot@mac -p 2222" is not host or user@host (no spaces, no ssh options)'],
  ],
  [
    "a remoteHost that ssh would read as an option",
    { channels: { imessage: { remoteHost: "-oProxyCommand=x" } } },
    ['channels.imessage.remoteHost: "-oProxyCommand=x" is not host or user@host (no spaces, no ssh options)'],
  ],
  [
    'dmPolicy "open" without "*"',
    { channels: { imessage: { dmPolicy: "open", allowFrom: ["+15555550123"] } } },
    [
      'channels.imessage.dmPolicy: "open" requires "*" in allowFrom; add "*" to channels.imessage.allowFrom or use "pairing"',
    ],
  ],
  [
    'dmPolicy "open" set on one account only',
    { channels: { imessage: { accounts: { work: { dmPolicy: "open" } } } } },
    [
      'channels.imessage.accounts.work.dmPolicy: "open" requires "*" in allowFrom; add "*" to channels.imessage.allowFrom or use "pairing"',
    ],
  ],
  [
    "a chat_id entry that is not a number",
    { channels: { imessage: { allowFrom: ["chat_id:abc"] } } },
    [
      'channels.imessage.allowFrom[0]: "chat_id:abc" is not an allowlist entry; chat_id: takes a number, e.g. chat_id:123',
    ],
  ],
  [
    "an allowlist given as one string",
    { channels: { imessage: { allowFrom: "+15555550123" } } },
    ['channels.imessage.allowFrom: "+15555550123" is not a list'],
  ],
  [
    "the ssh transport without a host",
    { channels: { imessage: { transport: "ssh" } } },
    ['channels.imessage.transport: "ssh" requires remoteHost; set channels.imessage.remoteHost to host or user@host'],
  ],
  [
    "an unknown transport",
    { channels: { imessage: { transport: "telnet" } } },
    ['channels.imessage.transport: "telnet" is not one of local | ssh'],
  ],
  [
    "an ssh port out of range",
    { channels: { imessage: { ssh: { port: 70000 } } } },
    ["channels.imessage.ssh.port: 70000 is above the maximum; expected at most 65535"],
  ],
  [
    "a misspelled catchup key",
    { channels: { imessage: { catchup: { enabeld: true } } } },
    ['channels.imessage.catchup.enabeld: unknown key; did you mean "enabled"?'],
  ],
  [
    "an abbreviated action name",
    { channels: { imessage: { actions: { react: true } } } },
    ['channels.imessage.actions.react: unknown key; did you mean "reactions"?'],
  ],
  [
    "a group flag given as a word",
    { channels: { imessage: { groups: { "8421": { requireMention: "yes" } } } } },
    ['channels.imessage.groups.8421.requireMention: "yes" is not true or false'],
  ],
  [
    "a group key that can never match",
    { channels: { imessage: { groups: { chat8421: {} } } } },
    [
      'channels.imessage.groups.chat8421: key "chat8421" is not a group key; use a chat_id such as "8421", "*", or chat_guid:<guid> / chat_identifier:<identifier> (a key that never matches drops the group\'s messages)',
    ],
  ],
  [
    "an account id with a space",
    { channels: { imessage: { accounts: { "bad id": {} } } } },
    ['channels.imessage.accounts["bad id"]: key "bad id" is not an account id (letters, digits, - and _, up to 64)'],
  ],
  [
    "a three-letter region",
    { channels: { imessage: { phoneRegion: "usa" } } },
    ['channels.imessage.phoneRegion: "usa" is not a two-letter region code such as US or GB'],
  ],
  [
    "an unknown runtime type",
    { agents: { list: [{ id: "a", runtime: { type: "gpt" } }] } },
    ['agents.list[0].runtime.type: "gpt" is not one of echo | exec | webhook | openai | acp'],
  ],
  [
    "a webhook that is not http",
    { agents: { list: [{ id: "a", runtime: { type: "webhook", url: "ftp://x" } }] } },
    ['agents.list[0].runtime.url: "ftp://x" is not a valid http(s) URL'],
  ],
  [
    "an exec runtime with no command",
    { agents: { list: [{ id: "a", runtime: { type: "exec", command: [] } }] } },
    ["agents.list[0].runtime.command: [] has too few items; expected at least 1"],
  ],
  [
    "an agent without an id",
    { agents: { list: [{ runtime: echo }] } },
    ["agents.list[0].id: missing; expected a string"],
  ],
  [
    "two agents with one id",
    {
      agents: {
        list: [
          { id: "a", runtime: echo },
          { id: "a", runtime: echo },
        ],
      },
    },
    ['agents.list[1].id: "a" is used by an earlier agent; ids must be unique'],
  ],
  [
    "two default agents",
    {
      agents: {
        list: [
          { id: "a", default: true, runtime: echo },
          { id: "b", default: true, runtime: echo },
        ],
      },
    },
    ["agents.list[1].default: true is also set on agents.list[0]; mark one agent as default"],
  ],
  [
    "a mention pattern that does not compile",
    { messages: { groupChat: { mentionPatterns: ["(bot"] } } },
    ['messages.groupChat.mentionPatterns[0]: "(bot" is not a valid regular expression (Unterminated group)'],
  ],
  [
    "an agent's mention pattern that does not compile",
    { agents: { list: [{ id: "a", runtime: echo, groupChat: { mentionPatterns: ["[x"] } }] } },
    [
      'agents.list[0].groupChat.mentionPatterns[0]: "[x" is not a valid regular expression (Unterminated character class)',
    ],
  ],
  [
    "a binding to a misspelled agent",
    {
      agents: { list: [{ id: "codex", runtime: echo }] },
      bindings: [{ agentId: "codx", match: { channel: "imessage" } }],
    },
    ['bindings[0].agentId: "codx" is not an agent in agents.list; did you mean "codex"?'],
  ],
  [
    "a binding to an undeclared account",
    { bindings: [{ agentId: "main", match: { channel: "imessage", accountId: "work" } }] },
    ['bindings[0].match.accountId: "work" is not one of default | *'],
  ],
  [
    "a binding peer of an unknown kind",
    { bindings: [{ agentId: "main", match: { channel: "imessage", peer: { kind: "room", id: "x" } } }] },
    ['bindings[0].match.peer.kind: "room" is not one of dm | direct | group'],
  ],
  [
    "an unknown DM scope",
    { session: { dmScope: "per-user" } },
    ['session.dmScope: "per-user" is not one of main | per-sender | per-peer (did you mean "per-peer"?)'],
  ],
  [
    "a negative debounce window",
    { messages: { inbound: { byChannel: { imessage: -5 } } } },
    ["messages.inbound.byChannel.imessage: -5 is below the minimum; expected at least 0"],
  ],
  ["commands.config as a word", { commands: { config: "on" } }, ['commands.config: "on" is not true or false']],
  ["a file that holds a list", [], ["(root): [] is not an object"]],
  [
    "a misspelled key inside an account",
    { channels: { imessage: { accounts: { work: { allowFom: [] } } } } },
    ['channels.imessage.accounts.work.allowFom: unknown key; did you mean "allowFrom"?'],
  ],
  [
    "an API key written into the config instead of naming its variable",
    { agents: { list: [{ id: "a", runtime: { type: "openai", baseUrl: "http://x", model: "m", apiKey: "sk" } }] } },
    ['agents.list[0].runtime.apiKey: unknown key; did you mean "apiKeyEnv"?'],
  ],
  [
    "a misspelled key inside a group entry",
    { channels: { imessage: { groups: { "8421": { requireMentions: true } } } } },
    ['channels.imessage.groups.8421.requireMentions: unknown key; did you mean "requireMention"?'],
  ],
  [
    "a misspelled key inside a binding match",
    { bindings: [{ agentId: "main", match: { channel: "imessage", acountId: "x" } }] },
    ['bindings[0].match.acountId: unknown key; did you mean "accountId"?'],
  ],
  [
    "two problems in one block, both reported",
    { channels: { imessage: { includeAttachments: 1, attachmentRoots: [""] } } },
    [
      "channels.imessage.includeAttachments: 1 is not true or false",
      'channels.imessage.attachmentRoots[0]: "" is empty; expected a non-empty string',
    ],
  ],
  [
    "an owner named by * or a chat (anyone there would be an owner)",
    { commands: { ownerAllowFrom: ["+15555550123", "*", "chat_id:7", "chat_guid:x"] } },
    [1, 2, 3].map(
      (index) =>
        `commands.ownerAllowFrom[${index}]: ${JSON.stringify(["*", "chat_id:7", "chat_guid:x"][index - 1])} is not a handle; owners are named by handle only (+15555550123, user@example.com), never * or a chat`,
    ),
  ],
  [
    "credentials in an agent URL (fetch refuses them and would log the whole URL)",
    {
      agents: {
        list: [
          { id: "a", runtime: { type: "webhook", url: "https://hook:pw@example.com/x" } },
          { id: "b", runtime: { type: "openai", baseUrl: "https://key@example.com/v1", model: "m" } },
        ],
      },
    },
    [
      'agents.list[0].runtime.url: "https://hook:pw@example.com/x" has user:password@ in it, which fetch refuses; put credentials in headers (authorization)',
      'agents.list[1].runtime.baseUrl: "https://key@example.com/v1" has user:password@ in it, which fetch refuses; put credentials in the environment variable apiKeyEnv names',
    ],
  ],
  [
    "a cliPath written as a shell command",
    { channels: { imessage: { cliPath: "imsg; rm -rf /" } } },
    [
      'channels.imessage.cliPath: "imsg; rm -rf /" contains shell metacharacters (";"); cliPath is one program run without a shell: the path of imsg or of a wrapper script (spaces need no quoting)',
    ],
  ],
  [
    "a cliPath with a command substitution and a pipe",
    { channels: { imessage: { accounts: { work: { cliPath: "$(which imsg) | tee log" } } } } },
    [
      'channels.imessage.accounts.work.cliPath: "$(which imsg) | tee log" contains shell metacharacters ("$" "|"); cliPath is one program run without a shell: the path of imsg or of a wrapper script (spaces need no quoting)',
    ],
  ],
  [
    "a remoteCliPath written as a shell command",
    { channels: { imessage: { remoteCliPath: "imsg && reboot" } } },
    [
      'channels.imessage.remoteCliPath: "imsg && reboot" contains shell metacharacters ("&"); remoteCliPath is one program on the Mac, quoted for its shell: the path of imsg there (spaces need no quoting)',
    ],
  ],
  [
    "relative attachment roots, local and remote",
    {
      channels: {
        imessage: {
          attachmentRoots: ["Library/Messages/Attachments"],
          remoteAttachmentRoots: ["/Users/*/Library/Messages/Attachments", "~bot/Library/Messages/Attachments"],
        },
      },
    },
    [
      'channels.imessage.attachmentRoots[0]: "Library/Messages/Attachments" is relative; start with / or ~/ (this machine\'s home), e.g. "/Users/*/Library/Messages/Attachments"',
      'channels.imessage.remoteAttachmentRoots[1]: "~bot/Library/Messages/Attachments" is relative; remote roots are folders on the Mac: start with / or ~/ (the SSH login\'s home on the Mac), e.g. "/Users/*/Library/Messages/Attachments"',
    ],
  ],
  [
    "an attachment root with .. or the file system root",
    { channels: { imessage: { attachmentRoots: ["/Users/bot/../Library"], remoteAttachmentRoots: ["/"] } } },
    [
      'channels.imessage.attachmentRoots[0]: "/Users/bot/../Library" has a . or .. segment; write the folder as it is, e.g. "/Users/*/Library/Messages/Attachments"',
      'channels.imessage.remoteAttachmentRoots[0]: "/" is the file system root; name the Attachments folder, e.g. "/Users/*/Library/Messages/Attachments"',
    ],
  ],
  [
    "an empty owner entry",
    { commands: { ownerAllowFrom: [" "] } },
    [
      'commands.ownerAllowFrom[0]: " " is not an allowlist entry; use a handle, chat_id:<n>, chat_guid:<g>, chat_identifier:<i> or *',
    ],
  ],
];

describe("validateConfig rejects bad configs with one line per problem", () => {
  it.each(badConfigs)("%s", (_name, raw, expected) => {
    const result = validateConfig(raw);
    expect(result.errors).toEqual(expected);
    expect(result.config).toBeUndefined();
  });

  it("lists allowed keys when nothing is close to the unknown one", () => {
    const [line] = validateConfig({ session: { zzz: 1 } }).errors;
    expect(line).toBe("session.zzz: unknown key; allowed here: dmScope");
  });
});

describe("validateConfig accepts real paths", () => {
  it("accepts program paths with spaces and roots under ~/", () => {
    const result = validateConfig({
      channels: {
        imessage: {
          cliPath: "/Applications/Imsg Tools/imsg",
          remoteCliPath: "/Users/bot/Imsg (beta)/imsg",
          attachmentRoots: ["~/Library/Messages/Attachments"],
          remoteAttachmentRoots: ["~/Library/Messages/Attachments", "/Volumes/Messages Archive/*/Attachments"],
        },
      },
    });
    expect(result.errors).toEqual([]);
    expect(result.config?.channels?.imessage?.cliPath).toBe("/Applications/Imsg Tools/imsg");
  });
});

describe("validateConfig accepts the reference document's examples", () => {
  it("accepts the per-group system prompt example", () => {
    const result = validateConfig({
      channels: {
        imessage: {
          groupPolicy: "allowlist",
          groupAllowFrom: ["+15555550123"],
          groups: {
            "*": { systemPrompt: "Use British spelling." },
            "8421": { requireMention: true, systemPrompt: "This is the on-call rotation chat." },
            "9907": { systemPrompt: "" },
          },
        },
      },
    });
    expect(result.errors).toEqual([]);
    expect(result.config?.channels?.imessage?.groups?.["9907"]).toEqual({ systemPrompt: "" });
  });

  it("accepts the ACP binding example", () => {
    const result = validateConfig({
      agents: {
        list: [{ id: "codex", runtime: { type: "acp", acp: { agent: "codex", backend: "acpx", mode: "persistent" } } }],
      },
      bindings: [
        {
          type: "acp",
          agentId: "codex",
          match: { channel: "imessage", accountId: "default", peer: { kind: "group", id: "chat_id:123" } },
          acp: { label: "codex-group" },
        },
      ],
    });
    expect(result.errors).toEqual([]);
  });

  it("accepts the remote Mac example with every transport key", () => {
    const result = validateConfig({
      channels: {
        imessage: {
          enabled: true,
          cliPath: "~/.imessage-channel/scripts/imsg-ssh",
          remoteHost: "bot@mac-mini.tailnet-1234.ts.net",
          includeAttachments: true,
          dbPath: "/Users/bot/Library/Messages/chat.db",
          transport: "ssh",
          remoteCliPath: "/opt/homebrew/bin/imsg",
          ssh: { port: 2222, identityFile: "~/.ssh/id_ed25519", knownHostsFile: "/etc/ssh/known", keepaliveSec: 30 },
          maxInboundAgeMinutes: 60,
          phoneRegion: "GB",
          attachmentRoots: ["/Users/*/Library/Messages/Attachments"],
          remoteAttachmentRoots: ["/Users/*/Library/Messages/Attachments"],
        },
      },
    });
    expect(result.errors).toEqual([]);
  });
});

describe("validateConfig warnings", () => {
  it("warns when two accounts read the same database", () => {
    const result = validateConfig({ channels: { imessage: { accounts: { one: {}, two: {} } } } });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toContain(
      'accounts "one" and "two" read the same Messages database; both would answer every message',
    );
  });

  it("warns once when every group message will be dropped, naming both keys and the fix", () => {
    const dropsAll = (channel: Record<string, unknown>) =>
      validateConfig({ channels: { imessage: channel } }).warnings.filter((line) =>
        line.includes("drops every group message"),
      );
    // The reference's own example shape: a `groups` wildcard with prompts admits no sender.
    const [wildcard] = dropsAll({ groups: { "*": { systemPrompt: "Use British spelling." } } });
    expect(wildcard).toBe(
      'account "default": groupAllowFrom is unset and allowFrom is empty, so groupPolicy "allowlist" drops every group message (groups entries choose chats and their settings, never senders); add handles or chat_id:<id> to channels.imessage.groupAllowFrom, or set groupPolicy: "open" to admit everyone in the chats under groups',
    );
    expect(dropsAll({ groupAllowFrom: [], groups: { "8421": {} } })).toEqual([
      expect.stringContaining('account "default": groupAllowFrom is empty, so groupPolicy "allowlist"'),
    ]);
    expect(dropsAll({})).toHaveLength(1);
    expect(dropsAll({ allowFrom: ["+15555550123"] })).toEqual([]);
    expect(dropsAll({ groupAllowFrom: ["chat_id:8421"] })).toEqual([]);
    expect(dropsAll({ groupPolicy: "open", groups: { "*": {} } })).toEqual([]);
    expect(dropsAll({ groupPolicy: "disabled" })).toEqual([]);
  });

  it("warns about SMS spoofing when SMS senders are trusted", () => {
    const result = validateConfig({ channels: { imessage: { allowSmsSenders: true } } });
    expect(result.warnings.some((line) => line.includes("SMS sender ids can be spoofed"))).toBe(true);
  });
});

describe("outbound media roots and cross-chat sends", () => {
  it("refuses relative, dotted and root outbound media roots with one line each naming key, value and fix", () => {
    const result = validateConfig({
      channels: {
        imessage: {
          outboundMediaRoots: ["/srv/agent-files", "~/reports", "media", "/srv/../etc", "/"],
          accounts: { bot: { outboundMediaRoots: ["./out"] } },
        },
      },
    });
    expect(result.errors).toEqual([
      'channels.imessage.outboundMediaRoots[2]: "media" is relative; use an absolute folder such as "/srv/agent-files" or "~/agent-files"',
      'channels.imessage.outboundMediaRoots[3]: "/srv/../etc" has a . or .. segment; write the folder as it is, e.g. "/srv/agent-files"',
      'channels.imessage.outboundMediaRoots[4]: "/" is the file system root; name the folder agents write to, e.g. "/srv/agent-files"',
      'channels.imessage.accounts.bot.outboundMediaRoots[0]: "./out" is relative; use an absolute folder such as "/srv/agent-files" or "~/agent-files"',
    ]);
  });

  it("takes allowCrossChat per agent, and nothing but a boolean", () => {
    const agents = (allowCrossChat: unknown) => ({
      agents: { list: [{ id: "main", allowCrossChat, runtime: { type: "echo" } }] },
    });
    expect(validateConfig(agents(true)).errors).toEqual([]);
    expect(validateConfig(agents("yes")).errors).toEqual(['agents.list[0].allowCrossChat: "yes" is not true or false']);
  });
});
