import { describe, expect, it } from "vitest";
import { chatWritableKeys, isChatWritableKey } from "./chat-writable-keys.ts";

describe("isChatWritableKey", () => {
  it("allows every safe account key under the channel, the defaults and any account, and keys inside them", () => {
    for (const key of chatWritableKeys.account) {
      for (const prefix of ["channels.imessage", "channels.defaults", "channels.imessage.accounts.work"]) {
        expect(isChatWritableKey(`${prefix}.${key}`), `${prefix}.${key}`).toBe(true);
      }
    }
    for (const path of [
      "channels.imessage.groups.8421.requireMention",
      "channels.imessage.accounts.bot.groups.*.systemPrompt",
      "channels.imessage.groups.__init__",
      "channels.imessage.allowFrom[0]",
      "messages.groupChat.mentionPatterns",
      "messages.groupChat.mentionPatterns[1]",
    ]) {
      expect(isChatWritableKey(path), path).toBe(true);
    }
  });

  it("refuses programs, paths, hosts, transports, agents, bindings and the switches that guard chat writes", () => {
    for (const path of [
      "agents.list.0.runtime.command",
      "agents.list[0].runtime",
      "agents",
      "bindings[0].agentId",
      "channels.imessage.cliPath",
      "channels.imessage.remoteCliPath",
      "channels.imessage.dbPath",
      "channels.imessage.remoteHost",
      "channels.imessage.transport",
      "channels.imessage.ssh.identityFile",
      "channels.imessage.attachmentRoots",
      "channels.imessage.remoteAttachmentRoots",
      "channels.imessage.includeAttachments",
      "channels.imessage.allowSmsSenders",
      "channels.imessage.configWrites",
      "channels.imessage.accounts.work.cliPath",
      "channels.imessage.accounts.work",
      "channels.imessage.accounts",
      "channels.defaults.dbPath",
      "channels.imessage",
      "channels",
      "commands.config",
      "commands.ownerAllowFrom",
      "logging.level",
      "session.dmScope",
      "messages.groupChat",
      "messages.inbound.byChannel.imessage",
      "state",
    ]) {
      expect(isChatWritableKey(path), path).toBe(false);
    }
  });

  it("refuses look-alikes: a safe key name in the wrong place, prototype keys, malformed paths", () => {
    for (const path of [
      "dmPolicy",
      "agents.list[0].groupChat.mentionPatterns",
      "channels.imessage.accounts[0].dmPolicy",
      "channels.imessage.groups.__proto__.systemPrompt",
      "channels.imessage.groups.constructor.prototype",
      "channels.imessage.dmPolicy.",
      "channels..imessage.dmPolicy",
      "",
    ]) {
      expect(isChatWritableKey(path), path).toBe(false);
    }
  });
});
