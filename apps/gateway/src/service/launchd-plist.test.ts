import { shutdownTimeoutMaximumSeconds } from "@imessage-channel/config";
import { parse } from "plist";
import { describe, expect, it } from "vitest";
import { launchdThrottleIntervalSeconds, renderLaunchdPlist } from "./launchd-plist.ts";
import { parsePlistXml, plistDictEntries, type XmlElement } from "./plist-xml.ts";
import { serviceDefinition } from "./service-definition.ts";

const hostile = "/Users/a&b/<odd> \"quoted\" 'apos'/100%";

function render(accountId?: string) {
  const definition = serviceDefinition({
    platform: "darwin",
    homeDirectory: "/Users/ada",
    stateDir: `${hostile}/state`,
    nodePath: "/opt/homebrew/bin/node",
    cliPath: `${hostile}/bin/imessage-channel.js`,
    accountId,
    configPath: `${hostile}/imessage-channel.json5`,
    searchPath: "/opt/homebrew/bin:/usr/bin:/bin",
  });
  return { definition, text: renderLaunchdPlist(definition) };
}

const asRecord = (dict: XmlElement) => Object.fromEntries(plistDictEntries(dict));

describe("renderLaunchdPlist", () => {
  it("is well-formed XML with Apple's plist DOCTYPE and the agent keys", () => {
    const { text } = render("work");
    const { doctype, root } = parsePlistXml(text);
    expect(doctype).toBe('plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd"');
    expect(root.name).toBe("plist");
    expect(root.children).toHaveLength(1);
    const keys = plistDictEntries(root.children[0]!).map(([key]) => key);
    expect(keys).toEqual([
      "Label",
      "ProgramArguments",
      "EnvironmentVariables",
      "WorkingDirectory",
      "RunAtLoad",
      "KeepAlive",
      "ThrottleInterval",
      "ExitTimeOut",
      "StandardOutPath",
      "StandardErrorPath",
    ]);
  });

  it("carries the absolute Node and CLI paths, gateway, the account and the config, escaped and decoded back intact", () => {
    const { text } = render("work");
    const dict = asRecord(parsePlistXml(text).root.children[0]!);
    expect(dict.Label?.text).toBe("dev.imessage-channel.gateway.work");
    expect(dict.ProgramArguments?.children.map((element) => element.text)).toEqual([
      "/opt/homebrew/bin/node",
      `${hostile}/bin/imessage-channel.js`,
      "gateway",
      "--account",
      "work",
      "--config",
      `${hostile}/imessage-channel.json5`,
    ]);
    const environment = asRecord(dict.EnvironmentVariables!);
    expect(environment.IMESSAGE_CHANNEL_STATE_DIR?.text).toBe(`${hostile}/state`);
    expect(environment.PATH?.text).toBe("/opt/homebrew/bin:/usr/bin:/bin");
    expect(dict.RunAtLoad?.name).toBe("true");
    expect(dict.KeepAlive?.name).toBe("true");
    expect(dict.ThrottleInterval?.text).toBe(String(launchdThrottleIntervalSeconds));
    // launchd kills the agent this long after SIGTERM: the gateway's whole shutdown budget fits inside.
    expect(Number(dict.ExitTimeOut?.text)).toBeGreaterThan(shutdownTimeoutMaximumSeconds);
    expect(dict.StandardOutPath?.text).toBe(`${hostile}/state/logs/gateway-work.out.log`);
    expect(dict.StandardErrorPath?.text).toBe(`${hostile}/state/logs/gateway-work.err.log`);
    // Nothing raw slipped through: every & starts an entity and no < or > sits inside a string (quotes need no
    // escaping in element text).
    for (const match of text.matchAll(/<string>(.*?)<\/string>/g)) {
      expect(match[1]).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;|apos;)/);
    }
  });

  it("names the agent without an account suffix when it runs every account", () => {
    const { definition, text } = render();
    expect(definition.filePath).toBe("/Users/ada/Library/LaunchAgents/dev.imessage-channel.gateway.plist");
    const dict = asRecord(parsePlistXml(text).root.children[0]!);
    expect(dict.ProgramArguments?.children.map((element) => element.text)).not.toContain("--account");
  });

  it("refuses a control character that XML cannot carry, naming the value", () => {
    const { definition } = render("work");
    expect(() => renderLaunchdPlist({ ...definition, workingDirectory: "/tmp/a\u0001b" })).toThrow(
      /"\/tmp\/a\\u0001b" contains a control character/,
    );
    expect(() =>
      renderLaunchdPlist({ ...definition, environment: [...definition.environment, ["ODD", "x\u000Bx"]] }),
    ).toThrow(/control character/);
  });

  it("writes the same values as plist's own parser reads back", () => {
    const { definition, text } = render("work");
    expect(parse(text)).toEqual({
      Label: definition.label,
      ProgramArguments: definition.programArguments,
      EnvironmentVariables: Object.fromEntries(definition.environment),
      WorkingDirectory: definition.workingDirectory,
      RunAtLoad: true,
      KeepAlive: true,
      ThrottleInterval: launchdThrottleIntervalSeconds,
      ExitTimeOut: 20,
      StandardOutPath: definition.stdoutPath,
      StandardErrorPath: definition.stderrPath,
    });
  });
});

describe("parsePlistXml (the check itself)", () => {
  const wrap = (body: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "x" "y">\n<plist version="1.0"><dict>${body}</dict></plist>\n`;

  it("accepts escaped text and rejects a raw ampersand, a raw angle bracket and mismatched tags", () => {
    expect(parsePlistXml(wrap("<key>a</key><string>a&amp;b</string>")).root.children[0]!.children[1]!.text).toBe("a&b");
    expect(() => parsePlistXml(wrap("<key>a</key><string>a&b</string>"))).toThrow(/unescaped "&"/);
    expect(() => parsePlistXml(wrap("<key>a</key><string>a>b</string>"))).toThrow(/unescaped ">"/);
    expect(() => parsePlistXml(wrap("<key>a</key><string>a<b</string>"))).toThrow(/expected a tag/);
    expect(() => parsePlistXml(wrap("<key>a</string>"))).toThrow(/closes <key>/);
    expect(() => parsePlistXml(wrap("<key>a</key>").replace('<!DOCTYPE plist PUBLIC "x" "y">\n', ""))).toThrow(
      /DOCTYPE/,
    );
  });
});
