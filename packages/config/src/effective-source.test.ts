import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.ts";
import { explainConfigValue } from "./effective-source.ts";
import type { Config } from "./schema.ts";
import { validateConfig } from "./validate-config.ts";

function valid(raw: unknown): Config {
  const result = validateConfig(raw);
  if (!result.config) throw new Error(result.errors.join("\n"));
  return result.config;
}

const config = valid({
  channels: {
    defaults: { textChunkLimit: 1200, catchup: { perRunLimit: 20 } },
    imessage: {
      dmPolicy: "pairing",
      groups: { "8421": { requireMention: true } },
      catchup: { enabled: true, maxAgeMinutes: 5000 },
      accounts: {
        work: { dmPolicy: "allowlist", catchup: { perRunLimit: 40 }, groups: { "77": { systemPrompt: "Brief." } } },
        home: { enabled: false },
      },
    },
  },
  session: { dmScope: "per-sender" },
});

const problemOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (ConfigError.isInstance(error)) return error.problems[0];
    throw error;
  }
  return undefined;
};

describe("explainConfigValue", () => {
  it("names the account override, the channel setting, channels.defaults or the built-in default", () => {
    expect(explainConfigValue(config, "channels.imessage.dmPolicy", "work")).toEqual({
      accountId: "work",
      value: "allowlist",
      source: "account",
      keyPath: "channels.imessage.accounts.work.dmPolicy",
    });
    expect(explainConfigValue(config, "channels.imessage.dmPolicy", "home")).toMatchObject({
      value: "pairing",
      source: "channel",
      keyPath: "channels.imessage.dmPolicy",
    });
    expect(explainConfigValue(config, "channels.imessage.textChunkLimit", "home")).toMatchObject({
      value: 1200,
      source: "channel-defaults",
      keyPath: "channels.defaults.textChunkLimit",
    });
    expect(explainConfigValue(config, "channels.imessage.chunkMode", "home")).toEqual({
      accountId: "home",
      value: "length",
      source: "default",
      keyPath: undefined,
    });
  });

  it("takes the account from the path, and refuses a different --account", () => {
    expect(explainConfigValue(config, "channels.imessage.accounts.work.dmPolicy")).toMatchObject({
      accountId: "work",
      source: "account",
    });
    expect(problemOf(() => explainConfigValue(config, "channels.imessage.accounts.work.dmPolicy", "home"))).toBe(
      'channels.imessage.accounts.work.dmPolicy names account "work" but --account is "home"; drop one of them',
    );
  });

  it("follows merged blocks field by field and replaced ones as a whole", () => {
    expect(explainConfigValue(config, "channels.imessage.catchup.perRunLimit", "work")).toMatchObject({
      value: 40,
      source: "account",
    });
    expect(explainConfigValue(config, "channels.imessage.catchup.perRunLimit", "home")).toMatchObject({
      value: 20,
      source: "channel-defaults",
      keyPath: "channels.defaults.catchup.perRunLimit",
    });
    // work's groups replace the channel's, so group 8421 is not configured for work at all.
    expect(explainConfigValue(config, "channels.imessage.groups.8421.requireMention", "work")).toMatchObject({
      value: undefined,
      source: "account",
      keyPath: "channels.imessage.accounts.work.groups.8421.requireMention",
    });
    expect(explainConfigValue(config, "channels.imessage.groups.8421.requireMention", "home")).toMatchObject({
      value: true,
      source: "channel",
    });
  });

  it("shows what was written when the gateway uses something else (a clamp)", () => {
    expect(explainConfigValue(config, "channels.imessage.catchup.maxAgeMinutes", "work")).toEqual({
      accountId: "work",
      value: 720,
      source: "channel",
      keyPath: "channels.imessage.catchup.maxAgeMinutes",
      written: 5000,
    });
  });

  it("credits enabled to the layer that switched the account off", () => {
    expect(explainConfigValue(config, "channels.imessage.enabled", "home")).toMatchObject({
      value: false,
      source: "account",
      keyPath: "channels.imessage.accounts.home.enabled",
    });
    expect(explainConfigValue(config, "channels.imessage.enabled", "work")).toMatchObject({
      value: true,
      source: "default",
    });
  });

  it("asks for an account when several could differ, and names an unknown one", () => {
    expect(problemOf(() => explainConfigValue(config, "channels.imessage.dmPolicy"))).toBe(
      "channels.imessage.dmPolicy can differ per account; name one with --account (work, home)",
    );
    expect(problemOf(() => explainConfigValue(config, "channels.imessage.dmPolicy", "play"))).toBe(
      'account "play" is not configured; known accounts: work, home',
    );
    expect(explainConfigValue(valid({ channels: { imessage: {} } }), "channels.imessage.dmPolicy")).toMatchObject({
      accountId: "default",
      value: "pairing",
      source: "default",
    });
  });

  it("reports keys outside the accounts as written or defaulted, and refuses --account for them", () => {
    expect(explainConfigValue(config, "session.dmScope")).toEqual({
      accountId: undefined,
      value: "per-sender",
      source: "file",
      keyPath: "session.dmScope",
    });
    expect(explainConfigValue(config, "agents.retry.maxMinutes")).toMatchObject({ value: 10, source: "default" });
    expect(problemOf(() => explainConfigValue(config, "session.dmScope", "work"))).toBe(
      "--account: session.dmScope is the same for every account; --account applies to channels.imessage keys only",
    );
    expect(problemOf(() => explainConfigValue(config, "channels.imessage.dmPolicyy", "work"))).toMatch(
      /^channels\.imessage\.dmPolicyy is not a config key: channels\.imessage\.dmPolicyy: unknown key/,
    );
  });
});
