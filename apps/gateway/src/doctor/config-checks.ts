import { everyGroupMessageDropped } from "@imessage-channel/config";
import { parseAllowlistEntry } from "@imessage-channel/policy";
import type { AccountFacts, DoctorCheck } from "./doctor-checks.ts";

export function checkSameDatabase(facts: AccountFacts): DoctorCheck | undefined {
  if (!facts.sameDatabaseAs) return undefined;
  return {
    id: "same-database",
    status: "fail",
    message: `account ${facts.account.accountId} reads the same database as account ${facts.sameDatabaseAs}: both would answer every message`,
    fix: `point one of them at another Mac or dbPath, or disable it (accounts.${facts.account.accountId}.enabled: false)`,
  };
}

export function checkMentionPatterns(facts: AccountFacts): DoctorCheck | undefined {
  const { account, routing } = facts;
  if (account.groupPolicy === "disabled" || Object.keys(account.groups).length === 0) return undefined;
  const requires = Object.values(account.groups).some((group) => group.requireMention !== false);
  const patterns =
    routing.mentionPatterns.length +
    routing.agents.reduce((sum, agent) => sum + (agent.groupChat?.mentionPatterns?.length ?? 0), 0);
  if (!requires || patterns > 0) return undefined;
  return {
    id: "mention-patterns",
    status: "warn",
    message:
      "groups require a mention but no mention patterns are configured: mention gating cannot be enforced, every group message is dispatched",
    fix: 'set messages.groupChat.mentionPatterns (e.g. ["\\\\bbot\\\\b"]) or agents.list[].groupChat.mentionPatterns',
  };
}

/** Whether a `groups` key (`N`, `chat_id:N`, `chat_guid:G`, `chat_identifier:I`) names one of `chats`. */
function groupKeyMatches(key: string, chats: NonNullable<AccountFacts["chats"]>): boolean {
  const [, form, value] = /^(?:(chat_id|chat_guid|chat_identifier):)?(.+)$/.exec(key) ?? [];
  if (form === "chat_guid") return chats.some((chat) => chat.guid === value);
  if (form === "chat_identifier") return chats.some((chat) => chat.identifier === value);
  return chats.some((chat) => String(chat.id) === value);
}

export function checkGroupsRegistry(facts: AccountFacts): DoctorCheck | undefined {
  const { chats } = facts;
  const keys = Object.keys(facts.account.groups).filter((key) => key !== "*");
  if (keys.length === 0 || !chats) return undefined;
  const dead = keys.filter((key) => !groupKeyMatches(key, chats));
  if (dead.length === 0) return undefined;
  const every = dead.length === keys.length && !("*" in facts.account.groups);
  return {
    id: "groups-registry",
    status: "warn",
    message: `channels.imessage.groups ${dead.length === 1 ? "key" : "keys"} ${dead.join(", ")} match${dead.length === 1 ? "es" : ""} no chat on this Mac${every ? ": every group message would be dropped" : " (a typo, or a chat of another Mac?)"}`,
    fix: 'use the chat ids `imessage-channel chats` prints (chat_id:N, or chat_guid:/chat_identifier: as shown there), or add "*"',
  };
}

export function checkGroupSenders(facts: AccountFacts): DoctorCheck | undefined {
  const dropped = everyGroupMessageDropped(facts.account);
  if (!dropped) return undefined;
  const [problem, fix] = dropped.split("; ");
  return { id: "group-senders", status: "warn", message: problem ?? dropped, fix };
}

/** Under `dmScope: "main"` every DM sender shares one agent session: each can be told what another said. */
export function checkDmScope(facts: AccountFacts): DoctorCheck | undefined {
  const { account, routing } = facts;
  if (routing.dmScope !== "main" || account.dmPolicy === "disabled") return undefined;
  const entries = account.allowFrom.map((entry) => parseAllowlistEntry(entry, account.phoneRegion));
  const anyone = account.dmPolicy === "open" || entries.some((entry) => entry?.kind === "any");
  const senders = new Set([
    ...entries.flatMap((entry) => (entry?.kind === "handle" ? [entry.handle] : [])),
    ...(facts.approvedSenders ?? []),
  ]);
  if (!anyone && senders.size <= 1) return undefined;
  return {
    id: "dm-scope",
    status: "warn",
    message: `session.dmScope is "main": ${anyone ? "every DM sender" : `${senders.size} approved DM senders`} share one agent session, so one can be told what another said`,
    fix: 'set session.dmScope: "per-sender" to give each DM sender a session of their own',
  };
}

export function checkSmsTrust(facts: AccountFacts): DoctorCheck | undefined {
  if (!facts.account.allowSmsSenders) return undefined;
  return {
    id: "sms-trust",
    status: "warn",
    message:
      "allowSmsSenders is on: SMS sender ids can be spoofed, so a forged SMS from an allowlisted number reaches the agent",
    fix: "set channels.imessage.allowSmsSenders: false unless you need SMS",
  };
}

export function checkRemoteHostDetection(facts: AccountFacts): DoctorCheck | undefined {
  const undetected = facts.remoteHostUndetected;
  if (!undetected) return undefined;
  return {
    id: "remote-host",
    status: "fail",
    message: `remoteHost cannot be auto-detected from the SSH wrapper ${undetected.cliPath}: ${undetected.reason}; attachments are unavailable (messages still reach the agent without them)`,
    fix: "set channels.imessage.remoteHost explicitly (host or user@host of the Mac the wrapper reaches)",
  };
}

export function checkSftp(facts: AccountFacts): DoctorCheck[] {
  const sftp = facts.sftp;
  if (!sftp) return [];
  if (sftp.error) {
    return [
      {
        id: "sftp",
        status: "fail",
        message: `attachments cannot be fetched from ${sftp.remoteHost} over SFTP: ${sftp.error}`,
        fix: "enable the SFTP subsystem on the Mac (System Settings → Sharing → Remote Login) and check the SSH key and known_hosts",
      },
    ];
  }
  const checks: DoctorCheck[] = [{ id: "sftp", status: "ok", message: `SFTP to ${sftp.remoteHost} works` }];
  for (const root of sftp.roots) {
    checks.push(
      root.exists
        ? { id: "remote-attachment-root", status: "ok", message: `remote attachment root ${root.pattern} is readable` }
        : {
            id: "remote-attachment-root",
            status: "warn",
            message: `remote attachment root ${root.pattern}: ${root.prefix} does not exist or is not readable on the Mac`,
            fix: "fix channels.imessage.remoteAttachmentRoots (the Mac-side Messages Attachments folder)",
          },
    );
  }
  return checks;
}
